/**
 * Requests node:http refuses before they reach the app: headers over `maxHeaderSize` (431),
 * headers or a request not received within `headersTimeout`/`requestTimeout` (408), and
 * requests that do not parse as HTTP (400). They get the same JSON error envelope as every
 * other error, with `Connection: close`, and are counted in the rejection metric.
 */
import type { Server } from "node:http";
import type { Socket } from "node:net";
import { ERROR_STATUS, type ErrorCode, ProtocolError } from "@rivulet/protocol";
import type { ProtocolApp } from "../http/app.js";

const REASONS: Record<number, string> = {
  400: "Bad Request",
  408: "Request Timeout",
  431: "Request Header Fields Too Large",
};

export function answerClientErrors(server: Server, app: ProtocolApp): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    // The peer is gone: nothing to answer.
    if (error.code === "ECONNRESET" || error.code === "EPIPE") {
      socket.destroy();
      return;
    }
    const code = codeOf(error.code);
    app.rejected(code);
    // Only when no response has started on this connection, or the bytes would interleave.
    const current = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (!socket.writable || current?.headersSent) {
      socket.destroy();
      return;
    }
    socket.end(rawReply(code));
  });
}

function codeOf(nodeCode: string | undefined): ErrorCode {
  if (nodeCode === "HPE_HEADER_OVERFLOW") return "HEADERS_TOO_LARGE";
  if (nodeCode === "ERR_HTTP_REQUEST_TIMEOUT") return "REQUEST_TIMEOUT";
  return "BAD_REQUEST";
}

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  HEADERS_TOO_LARGE: "The request headers are larger than this server accepts",
  REQUEST_TIMEOUT: "The request was not received in time",
  BAD_REQUEST: "The request is not valid HTTP/1.1",
};

function rawReply(code: ErrorCode): string {
  const status = ERROR_STATUS[code];
  const body = JSON.stringify(new ProtocolError(code, MESSAGES[code] ?? code).toBody());
  return (
    `HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}\r\n` +
    "content-type: application/json\r\n" +
    "x-content-type-options: nosniff\r\n" +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    "connection: close\r\n\r\n" +
    body
  );
}
