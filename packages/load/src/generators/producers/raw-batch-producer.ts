/**
 * A minimal batching producer written for the benchmark itself: concatenates messages into
 * batches of `batchMessages`, sends each with Producer-Id/Epoch/Seq headers, `maxInFlight`
 * requests at a time on separate connections. It shows what the server absorbs when a
 * client adds next to no cost of its own.
 */
import { openPool, send } from "../../http-pool.js";
import type { ProducerLike, ProducerSetup } from "./producer-like.js";

export function rawBatchProducer(setup: ProducerSetup): ProducerLike {
  const { rawBatchMessages: batchMessages, rawInFlight: maxInFlight } = setup;
  const url = new URL(setup.url);
  const pool = openPool(url.origin, maxInFlight, setup.headers);
  const contentType = setup.json ? "application/json" : "application/octet-stream";
  const id = `raw-${process.pid}`;
  let queued: string[] = [];
  let seq = 0;
  const inFlight = new Set<Promise<void>>();
  let failure: Error | undefined;

  const dispatch = () => {
    const messages = queued;
    queued = [];
    const body = setup.json ? `[${messages.join(",")}]` : messages.join("");
    const headers = {
      "content-type": contentType,
      "producer-id": id,
      "producer-epoch": "0",
      "producer-seq": String(seq++),
    };
    const request = send(pool, "POST", url.pathname, headers, body).then((answer) => {
      if (answer.status >= 300) failure ??= new Error(`producer batch answered ${answer.status}`);
    });
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
  };

  return {
    append(message) {
      queued.push(message);
      if (queued.length >= batchMessages) dispatch();
    },
    async flush() {
      if (queued.length > 0) dispatch();
      while (inFlight.size > 0) await Promise.all([...inFlight]);
      if (failure) throw failure;
    },
    async close() {
      await pool.close();
    },
  };
}
