/** The reference client's IdempotentProducer (@durable-streams/client) with its defaults. */
import { DurableStream, IdempotentProducer } from "@durable-streams/client";
import type { ProducerLike, ProducerSetup } from "@rivulet/load";

export function referenceClientProducer(setup: ProducerSetup): ProducerLike {
  const contentType = setup.json ? "application/json" : "application/octet-stream";
  const stream = new DurableStream({ url: setup.url, contentType });
  let failure: Error | undefined;
  const producer = new IdempotentProducer(stream, `reference-client-${process.pid}`, {
    onError: (error) => {
      failure ??= error;
    },
  });
  return {
    // JSON streams take pre-serialised JSON text (the client's documented form).
    append: (message) => producer.append(message),
    async flush() {
      await producer.flush();
      if (failure) throw failure;
    },
    close: () => producer.detach(),
  };
}
