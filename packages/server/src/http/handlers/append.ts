/** POST: append to a stream, optionally closing it (PROTOCOL §5.2, §5.2.1). */
import { Header, isTrueFlag, ProtocolError, parseExpectation, parseProducerClaim } from "@rivulet/protocol";
import type { Context } from "../context.js";
import { type HttpReply, type HttpRequest, reply } from "../exchange.js";
import { appendHeaders } from "../stream-headers.js";
import { handleClose } from "./close.js";
import { requestContentType } from "./request-headers.js";

export async function handleAppend(request: HttpRequest, context: Context): Promise<HttpReply> {
  const close = isTrueFlag(request.header(Header.closed));
  const producer = parseProducerClaim(
    request.header(Header.producerId),
    request.header(Header.producerEpoch),
    request.header(Header.producerSeq),
  );
  // Conditional append (docs/extensions.md): the tail this write expects, decided with the rest.
  const expected = parseExpectation(request.header(Header.expectedOffset), request.header(Header.expectedSeq));
  const body = await request.readBody(context.options.maxBodyBytes);
  if (body.length === 0) {
    // §5.2: an empty body is only valid as a close.
    if (close) return handleClose(request, context, producer, expected);
    throw new ProtocolError("EMPTY_BODY", "An append needs a body (or Stream-Closed: true to close)");
  }
  const contentType = requestContentType(request);
  if (contentType === undefined)
    throw new ProtocolError("MISSING_CONTENT_TYPE", "An append with a body needs a Content-Type");

  const result = await context.engine.append(request.path, {
    body,
    hasBody: true,
    contentType,
    close,
    streamSeq: request.header(Header.seq),
    producer,
    expected,
  });
  // §5.2.1: new data from a producer is 200; duplicates and plain appends are 204.
  return { ...reply(result.written && producer ? 200 : 204, appendHeaders(result)), commitWaitMs: result.commitWaitMs };
}
