/**
 * Requests node:http refuses before they reach the app: headers over `maxHeaderSize` (431),
 * headers or a request not received within `headersTimeout`/`requestTimeout` (408), and
 * requests that do not parse as HTTP (400). They get the same JSON error envelope as every
 * other error, with `Connection: close`, and are counted in the rejection metric. A reply to a
 * HEAD request never carries that body (RFC 9110 §9.3.2): the client would read it as the start
 * of the next response.
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
    const current = (socket as Socket & { _httpMessage?: InFlightResponse })._httpMessage;
    if (!socket.writable || current?.headersSent) {
      socket.destroy();
      return;
    }
    socket.end(rawReply(code, isHead(current, error)));
  });
}

/** The response node:http made for a request whose head it parsed (its body may be what failed). */
interface InFlightResponse {
  headersSent?: boolean;
  req?: { method?: string };
}

/** Whether the refused request is a HEAD: known once its head parsed, else read from its first bytes. */
function isHead(current: InFlightResponse | undefined, error: NodeJS.ErrnoException): boolean {
  const method = current?.req?.method;
  if (method !== undefined) return method === "HEAD";
  const raw = (error as { rawPacket?: Buffer }).rawPacket;
  return raw !== undefined && raw.subarray(0, 5).toString("latin1") === "HEAD ";
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

function rawReply(code: ErrorCode, head: boolean): string {
  const status = ERROR_STATUS[code];
  const body = JSON.stringify(new ProtocolError(code, MESSAGES[code] ?? code).toBody());
  return (
    `HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}\r\n` +
    "content-type: application/json\r\n" +
    "x-content-type-options: nosniff\r\n" +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    "connection: close\r\n\r\n" +
    (head ? "" : body)
  );
}
