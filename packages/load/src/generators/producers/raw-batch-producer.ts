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
    const before = [...inFlight];
    const request = sendInOrder(headers, body, before).then((status) => {
      if (status >= 300) failure ??= new Error(`producer batch answered ${status}`);
    });
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
  };

  /**
   * Requests on separate connections can overtake each other by more than the server waits for
   * a skipped seq (PROTOCOL §5.2.1): a 409 is then sent again once every earlier batch has been
   * answered, as any pipelining producer must. Nothing was written by the refused one.
   */
  const sendInOrder = async (headers: Record<string, string>, body: string, before: Promise<void>[]) => {
    let answer = await send(pool, "POST", url.pathname, headers, body);
    for (let retry = 0; answer.status === 409 && retry < 3; retry++) {
      await Promise.all(before);
      answer = await send(pool, "POST", url.pathname, headers, body);
    }
    return answer.status;
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
