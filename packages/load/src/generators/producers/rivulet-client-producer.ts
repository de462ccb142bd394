/** Rivulet's own client's IdempotentProducer (`@rivulet/client`) with its defaults. */
import { DurableStream } from "@rivulet/client";
import { IdempotentProducer } from "@rivulet/client/producer";
import type { ProducerLike, ProducerSetup } from "./producer-like.js";

export function rivuletClientProducer(setup: ProducerSetup): ProducerLike {
  const contentType = setup.json ? "application/json" : "application/octet-stream";
  const handle = new DurableStream({ url: setup.url, contentType, headers: { ...setup.headers } });
  let failure: unknown;
  const producer = new IdempotentProducer(handle, `rivulet-client-${process.pid}`, {
    onError: (error) => {
      failure ??= error;
    },
  });
  return {
    // JSON streams take values (the client encodes them); the benchmark's messages are JSON
    // text, parsed once per distinct message by the cache below.
    append: setup.json ? (message) => producer.append(parsed(message)) : (message) => producer.append(message),
    async flush() {
      await producer.flush();
      if (failure) throw failure;
    },
    async close() {
      await producer.close();
    },
  };
}

let lastText = "";
let lastValue: unknown;
function parsed(message: string): unknown {
  if (message !== lastText) {
    lastText = message;
    lastValue = JSON.parse(message);
  }
  return lastValue;
}
