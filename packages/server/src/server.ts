/** A standalone Rivulet server on node:http. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createNodeHandler } from "./adapters/node.js";
import { ProtocolApp } from "./http/app.js";
import type { ServerOptions } from "./options.js";

export interface ListenOptions extends ServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 4437, the protocol's port (PROTOCOL §13.1); 0 picks a free one. */
  port?: number;
}

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
  const http = createServer({ keepAliveTimeout: 65_000 }, createNodeHandler(app));
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
  return {
    url: `http://${shownHost}:${port}`,
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
