/**
 * A fault-injecting HTTP proxy for tests. It forwards to an upstream server and, per
 * request, may instead answer an error status, drop the response after the upstream handled
 * the request, reset the connection before forwarding, buffer a streamed response until it
 * ends (a buffering proxy in front of SSE), cut a streamed response after a delay, delay, or
 * hold a request until the test releases it.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type Fault =
  /** Answer this status without forwarding (the upstream never sees the request). */
  | { kind: "status"; status: number; headers?: Record<string, string>; body?: string }
  /** Forward, let the upstream answer, then destroy the client connection (a lost response). */
  | { kind: "drop-response" }
  /** Destroy the client connection without forwarding (the request never arrives). */
  | { kind: "reset" }
  /** Forward; send the headers at once but hold the body until the upstream ends it. */
  | { kind: "buffer" }
  /** Forward, then destroy the connection `ms` after the response starts. */
  | { kind: "cut-after"; ms: number }
  /** Wait `ms`, then forward. */
  | { kind: "delay"; ms: number }
  /** Hold the request until `release` settles, then forward (the test decides when). */
  | { kind: "hold"; release: Promise<unknown> };

export interface ProxiedRequest {
  readonly index: number;
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  /** The status the client was answered, once it was (the upstream's, or an injected one). */
  status: number | undefined;
}

export type FaultRule = (request: ProxiedRequest) => Fault | undefined;

export interface FaultProxy {
  readonly url: string;
  /** Every request seen, in arrival order. */
  readonly requests: ProxiedRequest[];
  setRule(rule: FaultRule | undefined): void;
  /** The first request matching `match` once it has been answered (its status known). */
  answered(match: (request: ProxiedRequest) => boolean): Promise<ProxiedRequest>;
  close(): Promise<void>;
}

export async function startFaultProxy(upstream: string, rule?: FaultRule): Promise<FaultProxy> {
  const target = new URL(upstream);
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  let current = rule;
  const waiters = new Set<{
    match: (request: ProxiedRequest) => boolean;
    resolve: (request: ProxiedRequest) => void;
  }>();
  const answer = (info: ProxiedRequest, status: number | undefined) => {
    info.status = status;
    for (const waiter of waiters) {
      if (!waiter.match(info)) continue;
      waiters.delete(waiter);
      waiter.resolve(info);
    }
  };

  const server: Server = createServer((req, res) => {
    const info: ProxiedRequest = {
      index: requests.length,
      method: req.method ?? "GET",
      url: new URL(req.url ?? "/", "http://proxy"),
      headers: req.headers,
      status: undefined,
    };
    requests.push(info);
    const fault = current?.(info);

    if (fault?.kind === "status") {
      req.resume();
      answer(info, fault.status);
      res.writeHead(fault.status, { "content-type": "application/json", ...fault.headers });
      res.end(fault.body ?? JSON.stringify({ error: { code: "INJECTED", message: "injected fault" } }));
      return;
    }
    if (fault?.kind === "reset") {
      req.socket.destroy();
      return;
    }

    const forward = () => {
      const upstreamRequest = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
        },
        (upstreamResponse) => {
          answer(info, upstreamResponse.statusCode);
          if (fault?.kind === "drop-response") {
            upstreamResponse.resume();
            upstreamResponse.once("end", () => req.socket.destroy());
            return;
          }
          if (fault?.kind === "buffer") {
            // Like a buffering reverse proxy: headers go out at once, the body only at the end.
            res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
            res.flushHeaders();
            const chunks: Buffer[] = [];
            upstreamResponse.on("data", (chunk: Buffer) => chunks.push(chunk));
            upstreamResponse.once("end", () => res.end(Buffer.concat(chunks)));
            return;
          }
          res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
          upstreamResponse.pipe(res);
          if (fault?.kind === "cut-after") {
            const timer = setTimeout(() => {
              upstreamResponse.destroy();
              req.socket.destroy();
            }, fault.ms);
            res.once("close", () => clearTimeout(timer));
          }
        },
      );
      upstreamRequest.on("error", () => req.socket.destroy());
      // The client going away ends the upstream request too (an SSE session, a long-poll).
      res.once("close", () => upstreamRequest.destroy());
      req.pipe(upstreamRequest);
    };

    if (fault?.kind === "delay") setTimeout(forward, fault.ms);
    else if (fault?.kind === "hold") void fault.release.then(forward, forward);
    else forward();
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setRule(next) {
      current = next;
    },
    answered(match) {
      const done = requests.find((request) => request.status !== undefined && match(request));
      if (done) return Promise.resolve(done);
      return new Promise((resolve) => waiters.add({ match, resolve }));
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A rule that applies `fault` to the first `count` requests matching `match`. */
export function firstN(count: number, match: (request: ProxiedRequest) => boolean, fault: Fault): FaultRule {
  let left = count;
  return (request) => {
    if (left <= 0 || !match(request)) return undefined;
    left--;
    return fault;
  };
}

export const isSse = (request: ProxiedRequest) => request.url.searchParams.get("live") === "sse";
export const isLongPoll = (request: ProxiedRequest) => request.url.searchParams.get("live") === "long-poll";
export const isPost = (request: ProxiedRequest) => request.method === "POST";
