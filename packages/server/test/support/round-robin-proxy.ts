/**
 * The harshest front a cluster can have: every request goes to the next node in turn, so a
 * client's append, its read and its long-poll each land on a different node. Tests run the
 * conformance, client and Kafka-layer suites through it to check that any node answers any
 * request correctly (the nginx configuration in deploy/ hashes by path instead, which is kinder).
 *
 * Bodies stream both ways (SSE included); hop-by-hop headers are dropped as a proxy must
 * (RFC 9110 §7.6.1). `Rivulet-Proxied-To` on each answer names the node that served it.
 */
import { createServer, type IncomingHttpHeaders, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RoundRobinProxy {
  readonly url: string;
  /** Requests forwarded to each node, by node URL. */
  readonly forwarded: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

export async function startRoundRobinProxy(nodes: readonly string[]): Promise<RoundRobinProxy> {
  if (nodes.length === 0) throw new Error("a proxy needs at least one node");
  const forwarded = new Map(nodes.map((node) => [node, 0]));
  let next = 0;
  const server: Server = createServer((incoming, outgoing) => {
    const node = nodes[next++ % nodes.length]!;
    forwarded.set(node, forwarded.get(node)! + 1);
    const target = new URL(incoming.url ?? "/", node);
    const upstream = request(
      target,
      // Host passes through, as a reverse proxy in front of a cluster keeps it (nginx: `proxy_set_header
      // Host $host`): the URLs a node builds (subscription callbacks, JWKS) then name the front.
      { method: incoming.method, headers: endToEnd(incoming.headers) },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, { ...endToEnd(answer.headers), "rivulet-proxied-to": node });
        outgoing.flushHeaders();
        answer.pipe(outgoing);
        answer.once("error", () => outgoing.destroy());
      },
    );
    upstream.once("error", (error) => {
      if (outgoing.headersSent) outgoing.destroy();
      else outgoing.writeHead(502, { "content-type": "text/plain" }).end(`proxy: ${node}: ${error.message}`);
    });
    // A client that goes away (a cancelled long-poll, a closed SSE reader) releases the node too.
    outgoing.once("close", () => upstream.destroy());
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    forwarded,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
