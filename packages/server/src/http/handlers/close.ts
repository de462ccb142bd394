/** POST with Stream-Closed: true and no body: close a stream (PROTOCOL §5.3). Idempotent. */
import type { ProducerClaim, TailExpectation } from "@rivulet/protocol";
import type { Context } from "../context.js";
import { type HttpReply, type HttpRequest, reply } from "../exchange.js";
import { appendHeaders } from "../stream-headers.js";

export async function handleClose(
  request: HttpRequest,
  context: Context,
  producer: ProducerClaim | undefined,
  expected: TailExpectation | undefined,
): Promise<HttpReply> {
  const result = await context.engine.append(request.path, {
    body: new Uint8Array(0),
    hasBody: false,
    contentType: undefined,
    close: true,
    streamSeq: undefined,
    producer,
    expected,
  });
  return { ...reply(204, appendHeaders({ ...result, closed: true })), commitWaitMs: result.commitWaitMs };
}
