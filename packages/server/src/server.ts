/** A standalone Rivulet server on node:http. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { answerClientErrors } from "./adapters/client-error.js";
import { createNodeHandler } from "./adapters/node.js";
import { ProtocolApp } from "./http/app.js";
import type { ServerOptions } from "./server-options.js";

export interface ListenOptions extends ServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 4437, the protocol's port (PROTOCOL §13.1); 0 picks a free one. */
  port?: number;
  /** Headers must arrive within this long of a request's first byte (default 10 s; REQUEST_TIMEOUT, 408). */
  headersTimeoutMs?: number;
  /** A whole request (headers and body) must arrive within this long (default 300 s; 0 = no limit; 408). */
  requestTimeoutMs?: number;
  /** Largest request head: request line and headers (default 16 KiB; HEADERS_TOO_LARGE, 431). */
  maxHeaderBytes?: number;
  /** An idle keep-alive connection is closed after this long (default 65 s). */
  keepAliveTimeoutMs?: number;
}

export const LISTEN_DEFAULTS = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 300_000,
  maxHeaderBytes: 16 * 1024,
  keepAliveTimeoutMs: 65_000,
} as const;

export interface RivuletServer {
  /** Base URL, e.g. `http://127.0.0.1:4437`. */
  readonly url: string;
  readonly app: ProtocolApp;
  readonly http: Server;
  /**
   * Graceful stop: stop accepting connections, answer waiting long-polls (204) and end SSE
   * sessions, let in-flight requests (appends being made durable) finish for up to `graceMs`
   * (default 10 s), then close every connection and the store.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

export const DEFAULT_PORT = 4437;

export async function startServer(options: ListenOptions = {}): Promise<RivuletServer> {
  const app = new ProtocolApp(options);
  await app.open();
  const requestTimeout = options.requestTimeoutMs ?? LISTEN_DEFAULTS.requestTimeoutMs;
  // node:http refuses a headers timeout above the request timeout.
  const headersTimeout = Math.min(
    options.headersTimeoutMs ?? LISTEN_DEFAULTS.headersTimeoutMs,
    requestTimeout > 0 ? requestTimeout : Number.POSITIVE_INFINITY,
  );
  const http = createServer(
    {
      keepAliveTimeout: options.keepAliveTimeoutMs ?? LISTEN_DEFAULTS.keepAliveTimeoutMs,
      // Slowloris: headers (and whole requests) trickled in are cut off. Node checks these
      // timeouts on an interval; a quarter of the headers timeout keeps the overshoot small.
      headersTimeout,
      requestTimeout,
      connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(headersTimeout / 4))),
      maxHeaderSize: options.maxHeaderBytes ?? LISTEN_DEFAULTS.maxHeaderBytes,
    },
    createNodeHandler(app),
  );
  answerClientErrors(http, app);
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port ?? DEFAULT_PORT, host, () => {
      http.off("error", reject);
      resolve();
    });
  });
  const { port } = http.address() as AddressInfo;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}`;
  // A cluster node that was not told its address advertises the one it listens on.
  app.cluster?.advertise(url);
  return {
    url,
    app,
    http,
    async close({ graceMs = 10_000 } = {}) {
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      await app.drain(graceMs);
      http.closeAllConnections();
      await closed;
      await app.close();
    },
  };
}
