/**
 * The stream operations of PROTOCOL §5 on the route table: one route per operation, told apart
 * by method and, within a method, by headers and query (fork vs create, the live modes).
 */
import { Header, ProtocolError } from "@rivulet/protocol";
import type { HttpRequest } from "../exchange.js";
import { handleAppend } from "../handlers/append.js";
import { handleCreate } from "../handlers/create.js";
import { handleDelete } from "../handlers/delete.js";
import { handleFork, sourcePath } from "../handlers/fork.js";
import { handleHead } from "../handlers/head.js";
import { handleLongPoll } from "../handlers/long-poll.js";
import { handleRead } from "../handlers/read.js";
import { handleSse } from "../handlers/sse.js";
import type { RouteSpec } from "../routing/route.js";

const STREAM = "**";
const own = (request: HttpRequest) => [request.path];
const forkSource = (request: HttpRequest) => sourcePath(request.header(Header.forkedFrom) ?? "");
const isFork = (request: HttpRequest) => request.header(Header.forkedFrom) !== undefined;
const liveMode = (mode: string) => (request: HttpRequest) => request.query.get("live") === mode;

export const streamRoutes: readonly RouteSpec[] = [
  {
    method: "PUT",
    path: STREAM,
    operation: "fork",
    when: isFork,
    // A fork copies its source, so it reads it (PROTOCOL §4.2).
    access: (request) => [
      { scope: "write", path: request.path },
      { scope: "read", path: forkSource(request) },
    ],
    streamPaths: (request) => [request.path, forkSource(request)],
    reserves: "stream",
    jsonBody: true,
    handle: handleFork,
  },
  {
    method: "PUT",
    path: STREAM,
    operation: "create",
    access: "write",
    streamPaths: own,
    reserves: "stream",
    jsonBody: true,
    handle: (request, context) => {
      if (request.header(Header.forkOffset) !== undefined || request.header(Header.forkSubOffset) !== undefined) {
        throw new ProtocolError("BAD_REQUEST", "Stream-Fork-Offset and Stream-Fork-Sub-Offset need Stream-Forked-From");
      }
      return handleCreate(request, context);
    },
  },
  {
    method: "POST",
    path: STREAM,
    operation: "append",
    access: "write",
    streamPaths: own,
    jsonBody: true,
    handle: handleAppend,
  },
  {
    method: "GET",
    path: STREAM,
    operation: "long-poll",
    when: liveMode("long-poll"),
    access: "read",
    streamPaths: own,
    reserves: "live",
    // Counted as a live connection while it waits (SSE sessions are counted by the app).
    handle: async (request, context) => {
      context.metrics?.liveOpened("long-poll");
      try {
        return await handleLongPoll(request, context);
      } finally {
        context.metrics?.liveClosed("long-poll");
      }
    },
  },
  {
    method: "GET",
    path: STREAM,
    operation: "sse",
    when: liveMode("sse"),
    access: "read",
    streamPaths: own,
    reserves: "live",
    handle: handleSse,
  },
  {
    method: "GET",
    path: STREAM,
    operation: "read",
    access: "read",
    streamPaths: own,
    handle: (request, context) => {
      if (request.query.has("live")) {
        throw new ProtocolError("INVALID_LIVE_MODE", `Unknown live mode: ${JSON.stringify(request.query.get("live"))}`);
      }
      return handleRead(request, context);
    },
  },
  { method: "HEAD", path: STREAM, operation: "head", access: "read", streamPaths: own, handle: handleHead },
  { method: "DELETE", path: STREAM, operation: "delete", access: "write", streamPaths: own, handle: handleDelete },
];
