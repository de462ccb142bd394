/**
 * How the fuzz suite talks to the server: well-formed requests through node:http with
 * keep-alive (its own header validation rules out the malformed cases), and raw TCP for
 * everything node:http would refuse to send: control characters, cut-short bodies, dropped
 * connections.
 */
import { Agent, type IncomingHttpHeaders, request } from "node:http";
import { connect, type Socket } from "node:net";

export interface Target {
  readonly host: string;
  readonly port: number;
}

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });
const REQUEST_TIMEOUT_MS = 10_000;

export function targetOf(url: string): Target {
  const { hostname, port } = new URL(url);
  return { host: hostname, port: Number(port) };
}

/** One request; a body given as an array goes out chunked. Rejects on a hang or a broken connection. */
export function send(
  target: Target,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer | Buffer[],
): Promise<Reply> {
  // Framing is always explicit: for GET, DELETE, OPTIONS and TRACE node:http would otherwise
  // send a body with neither Content-Length nor chunking, and the server would rightly read
  // it as the start of the next request on the connection.
  const framed = { ...headers };
  if (Array.isArray(body)) framed["transfer-encoding"] = "chunked";
  else if (body) framed["content-length"] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = request({ ...target, agent, method, path, headers: framed }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`${method} ${path}: no answer in time`)));
    req.on("error", reject);
    for (const part of Array.isArray(body) ? body : body ? [body] : []) req.write(part);
    req.end();
  });
}

export interface RawResult {
  /** Status codes of every response seen on the connection. */
  readonly statuses: number[];
  readonly bytes: number;
}

/**
 * Writes `parts` on a fresh connection (pausing `gapMs` between them), then either waits up
 * to `waitMs` for the server's answer (or only until one arrives, with `untilAnswered`) or,
 * with `abortAfterMs`, drops the connection.
 */
export function rawSend(
  target: Target,
  parts: Buffer[],
  options: { waitMs: number; abortAfterMs?: number; gapMs?: number; untilAnswered?: boolean },
): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(target);
    // Byte-at-a-time cases must go out byte at a time, not coalesced by Nagle.
    socket.setNoDelay(true);
    const chunks: Buffer[] = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString("latin1");
      const statuses = [...text.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
      resolve({ statuses, bytes: text.length });
    };
    const timer = setTimeout(finish, options.abortAfterMs ?? options.waitMs);
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      // A status line and headers are all the checks need.
      if (
        options.untilAnswered &&
        /HTTP\/1\.[01] \d{3} [\s\S]*\r\n\r\n/.test(Buffer.concat(chunks).toString("latin1"))
      ) {
        finish();
      }
    });
    socket.on("close", finish);
    socket.on("error", (error: NodeJS.ErrnoException) => {
      // The server may reset a connection it refuses; a refused connect means it is down.
      if (error.code === "ECONNREFUSED") {
        done = true;
        clearTimeout(timer);
        reject(error);
      }
    });
    socket.once("connect", async () => {
      for (const part of parts) {
        if (socket.destroyed) return;
        socket.write(part);
        if (options.gapMs) await new Promise((r) => setTimeout(r, options.gapMs));
      }
    });
  });
}

export function closeAgent(): void {
  agent.destroy();
}
