/**
 * Sends a request to the node that owns a feature's work and relays the reply (docs/cluster.md):
 * an event stream (SSE) is relayed as it arrives, with backpressure both ways and either side
 * going away ending the other; any other reply, a long-poll's included, arrives whole first.
 * An owner that cannot be reached is a retryable 503: its lease will move within seconds.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { ProtocolError } from "@rivulet/protocol";
import type { HttpReply, HttpRequest, ReplySink } from "../../http/exchange.js";
import { replyHeaders, requestHeaders } from "./headers.js";

export interface ForwardOptions {
  readonly nodeId: string;
  /** Largest request body read for forwarding: the owner applies the same limit. */
  readonly maxBodyBytes: number;
}

const BODYLESS = new Set(["GET", "HEAD"]);

export class Forwarder {
  private readonly http = new HttpAgent({ keepAlive: true });
  private readonly https = new HttpsAgent({ keepAlive: true });

  constructor(private readonly options: ForwardOptions) {}

  async forward(request: HttpRequest, owner: string): Promise<HttpReply> {
    const body = BODYLESS.has(request.method) ? undefined : await request.readBody(this.options.maxBodyBytes);
    const url = new URL(targetOf(request), owner);
    const headers = requestHeaders(request.headerEntries?.() ?? [], body, {
      nodeId: this.options.nodeId,
      clientAddress: request.remoteAddress,
    });
    const response = await this.send(url, request, headers, body);
    const relayed = replyHeaders(entriesOf(response));
    if (String(response.headers["content-type"]).startsWith("text/event-stream")) {
      return { status: response.statusCode ?? 502, headers: relayed, stream: (sink) => relay(response, sink) };
    }
    const parts: Uint8Array[] = [];
    for await (const part of response) parts.push(part as Buffer);
    return { status: response.statusCode ?? 502, headers: relayed, body: parts };
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }

  private send(
    url: URL,
    request: HttpRequest,
    headers: Record<string, string>,
    body: Uint8Array | undefined,
  ): Promise<IncomingMessage> {
    const tls = url.protocol === "https:";
    return new Promise((resolve, reject) => {
      const outgoing = (tls ? httpsRequest : httpRequest)(url, {
        method: request.method,
        headers,
        agent: tls ? this.https : this.http,
      });
      outgoing.once("response", resolve);
      outgoing.once("error", (error) => reject(unreachable(url, error)));
      // The client went away: so does the upstream request (a long-poll or SSE on the owner).
      request.onClose(() => outgoing.destroy());
      outgoing.end(body);
    });
  }
}

/** The raw target when the adapter knows it; else the decoded path, re-encoded segment by segment. */
function targetOf(request: HttpRequest): string {
  if (request.target !== undefined) return request.target;
  const path = request.path.split("/").map(encodeURIComponent).join("/");
  const query = request.query.toString();
  return query ? `${path}?${query}` : path;
}

function entriesOf(response: IncomingMessage): Array<[string, string]> {
  return Object.entries(response.headers).flatMap(([name, value]) =>
    value === undefined ? [] : [[name, Array.isArray(value) ? value.join(", ") : value] as [string, string]],
  );
}

function relay(response: IncomingMessage, sink: ReplySink): void {
  const decoder = new TextDecoder();
  sink.onClose(() => response.destroy());
  response.on("data", (chunk: Buffer) => {
    if (sink.write(decoder.decode(chunk, { stream: true }))) return;
    response.pause();
    sink.drain().then(() => response.resume());
  });
  // Ended or cut, the owner's stream is over: the client reconnects from its last offset.
  response.once("close", () => sink.end());
}

function unreachable(url: URL, cause: unknown): ProtocolError {
  return new ProtocolError(
    "UNAVAILABLE",
    `The node that owns this work (${url.origin}) cannot be reached; try again shortly`,
    { "retry-after": "1" },
    { cause },
  );
}
