/** PUT: create a stream, or confirm an identical one exists (PROTOCOL §5.1). */
import { Header, isTrueFlag, parseLifetime, parseRetention } from "@rivulet/protocol";
import type { ForkRequest } from "../../engine/fork.js";
import type { Context } from "../context.js";
import { type HttpReply, type HttpRequest, reply } from "../exchange.js";
import { metadataHeaders, streamLocation } from "../stream-headers.js";
import { requestContentType } from "./request-headers.js";

export async function handleCreate(request: HttpRequest, context: Context, fork?: ForkRequest): Promise<HttpReply> {
  const contentType = requestContentType(request);
  const lifetime = parseLifetime(request.header(Header.ttl), request.header(Header.expiresAt));
  const retention = parseRetention(request.header(Header.retentionMs), request.header(Header.retentionBytes));
  const closed = isTrueFlag(request.header(Header.closed));
  const body = await request.readBody(context.options.maxBodyBytes);
  const { engine } = context;
  const { created, stream } = await engine.create(request.path, {
    contentType,
    lifetime,
    retention,
    closed,
    body,
    fork,
  });
  const headers = metadataHeaders(stream, engine.retentionOf(stream));
  if (created) headers[Header.location] = streamLocation(request);
  return reply(created ? 201 : 200, headers);
}
