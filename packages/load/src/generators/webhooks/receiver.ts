/**
 * A webhook receiver (PROTOCOL §7.1) on 127.0.0.1, as cheap as a real one can be: it reads the
 * wake, optionally checks its signature, reports its arrival, and acknowledges it — by
 * answering `{"done": true}`, or by answering at once and then calling back with an ack of
 * every pending stream's tail and `done`. Whatever goes wrong (a malformed wake, a bad
 * signature, a callback that is not answered 200) is counted, never thrown.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type LoadPool, openPool, send } from "../../http-pool.js";
import type { SignatureCheck } from "./signature-check.js";

/** `done`: the webhook's answer acknowledges the wake; `callback`: a callback does, right after. */
export type AckMode = "done" | "callback";

export interface WakeStream {
  readonly path: string;
  readonly tail_offset: string;
  readonly has_pending?: boolean;
}

export interface Wake {
  readonly subscription_id: string;
  readonly wake_id: string;
  readonly generation: number;
  readonly streams: readonly WakeStream[];
  readonly callback_url: string;
  readonly callback_token: string;
}

export interface ReceiverOptions {
  readonly ack: AckMode;
  /** Check every wake's signature (a wake that fails is answered 401 and not reported). */
  readonly signatures?: SignatureCheck;
  /** Connections to the server for callbacks. */
  readonly callbackConnections: number;
}

const JSON_HEADERS = { "content-type": "application/json" };

export class WebhookReceiver {
  private readonly server: Server;
  /** For callbacks: one pool per server origin. */
  private readonly pools = new Map<string, LoadPool>();
  private readonly callbacks = new Set<Promise<void>>();
  wakes = 0;
  failures = 0;
  firstFailure: string | undefined;

  constructor(
    private readonly options: ReceiverOptions,
    private readonly onWake: (wake: Wake, at: number) => void,
  ) {
    this.server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => this.handle(request, response));
  }

  /** Starts listening; the URL to give subscriptions. */
  listen(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => {
        const { port } = this.server.address() as AddressInfo;
        resolve(`http://127.0.0.1:${port}/hook`);
      });
    });
  }

  /** Waits (bounded) for callbacks in flight, then stops listening and closes every connection. */
  async close(): Promise<void> {
    await Promise.race([Promise.allSettled([...this.callbacks]), new Promise((r) => setTimeout(r, 5_000))]);
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
    await Promise.all([...this.pools.values()].map((pool) => pool.destroy()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.once("end", () => void this.received(request, response, Buffer.concat(chunks)));
  }

  private async received(request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<void> {
    const at = performance.now();
    const wake = parseWake(body);
    if (!wake) return this.refuse(response, 400, "a webhook body that is not a wake");
    const { signatures } = this.options;
    if (signatures) {
      const header = request.headers["webhook-signature"];
      const problem = await signatures
        .problem(Array.isArray(header) ? header[0] : header, body)
        .catch((error: unknown) => `signature not checked: ${String(error)}`);
      if (problem) return this.refuse(response, 401, problem);
    }
    this.wakes++;
    this.onWake(wake, at);
    if (this.options.ack === "done") {
      response.writeHead(200, JSON_HEADERS).end('{"done":true}');
      return;
    }
    response.writeHead(200, JSON_HEADERS).end("{}");
    const callback = this.callBack(wake);
    this.callbacks.add(callback);
    void callback.finally(() => this.callbacks.delete(callback));
  }

  /** §7.1: acks every pending stream at the tail the wake named, and ends the wake. */
  private async callBack(wake: Wake): Promise<void> {
    const url = new URL(wake.callback_url);
    const acks = wake.streams
      .filter((stream) => stream.has_pending !== false)
      .map((stream) => ({ stream: stream.path, offset: stream.tail_offset }));
    const body = JSON.stringify({ wake_id: wake.wake_id, generation: wake.generation, acks, done: true });
    try {
      const answer = await send(
        this.poolFor(url.origin),
        "POST",
        url.pathname + url.search,
        { ...JSON_HEADERS, authorization: `Bearer ${wake.callback_token}` },
        body,
      );
      if (answer.status !== 200) this.fail(`callback for ${wake.subscription_id} answered ${answer.status}`);
    } catch (error) {
      this.fail(`callback for ${wake.subscription_id} failed: ${String(error)}`);
    }
  }

  private poolFor(origin: string): LoadPool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = openPool(origin, this.options.callbackConnections);
      this.pools.set(origin, pool);
    }
    return pool;
  }

  private refuse(response: ServerResponse, status: number, reason: string): void {
    this.fail(reason);
    response.writeHead(status).end();
  }

  private fail(reason: string): void {
    this.failures++;
    this.firstFailure ??= reason;
  }
}

/** The fields of a wake this receiver uses, or undefined when the body is not one. */
function parseWake(body: Buffer): Wake | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
  const wake = value as Partial<Wake> | null;
  if (
    !wake ||
    typeof wake.subscription_id !== "string" ||
    typeof wake.wake_id !== "string" ||
    typeof wake.generation !== "number" ||
    typeof wake.callback_url !== "string" ||
    typeof wake.callback_token !== "string" ||
    !Array.isArray(wake.streams) ||
    !wake.streams.every((s: Partial<WakeStream>) => typeof s?.path === "string" && typeof s.tail_offset === "string")
  ) {
    return undefined;
  }
  return wake as Wake;
}
