/**
 * For the subscription tests: a real local webhook receiver whose answers each test scripts
 * (an answer, an error status, a hang), an app with the allow-list set for 127.0.0.1, and
 * request shorthands for the subscription API.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ServerOptions } from "@rivulet/server";
import { BASE, startApp, type TestApp } from "../handlers/helpers.js";

export interface Delivery {
  readonly body: WakeBody;
  readonly raw: string;
  readonly headers: IncomingHttpHeaders;
  readonly at: number;
}

export interface WakeBody {
  subscription_id: string;
  wake_id: string;
  generation: number;
  streams: Array<{ path: string; link_type: string; acked_offset: string; tail_offset: string; has_pending: boolean }>;
  callback_url: string;
  callback_token: string;
}

/** What the receiver does with a request: answer it, or never answer (until closed). */
export type Answer = { status: number; body?: unknown } | "hang";

export class Receiver {
  readonly deliveries: Delivery[] = [];
  /** Answers for the next requests, in order; after them, `fallback`. */
  readonly script: Answer[] = [];
  fallback: Answer = { status: 200, body: {} };
  private readonly waiters: Array<{ count: number; resolve: () => void }> = [];
  private readonly hanging: ServerResponse[] = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<Receiver> {
    let receiver: Receiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => receiver!.receive(Buffer.concat(chunks).toString("utf8"), req.headers, res));
    });
    receiver = new Receiver(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhook`;
  }

  /** Resolves once `count` deliveries in all have arrived. */
  waitFor(count: number, timeoutMs = 10_000): Promise<Delivery> {
    if (this.deliveries.length >= count) return Promise.resolve(this.deliveries[count - 1]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${this.deliveries.length} of ${count} deliveries arrived`)),
        timeoutMs,
      );
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve(this.deliveries[count - 1]!);
        },
      });
    });
  }

  async close(): Promise<void> {
    for (const res of this.hanging.splice(0)) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private receive(raw: string, headers: IncomingHttpHeaders, res: ServerResponse): void {
    this.deliveries.push({ body: JSON.parse(raw) as WakeBody, raw, headers, at: Date.now() });
    for (const waiter of [...this.waiters]) {
      if (this.deliveries.length >= waiter.count) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
    const answer = this.script.shift() ?? this.fallback;
    if (answer === "hang") {
      this.hanging.push(res);
      return;
    }
    res.writeHead(answer.status, { "content-type": "application/json" });
    res.end(JSON.stringify(answer.body ?? {}));
  }
}

export async function subscriptionApp(options: ServerOptions = {}): Promise<TestApp> {
  return startApp({ webhookAllow: ["127.0.0.1", "localhost"], ...options });
}

export const subPath = (id: string) => `${BASE}/__ds/subscriptions/${id}`;
export const stream = (relative: string) => `${BASE}/${relative}`;

export function json(method: string, body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

export async function putSub(t: TestApp, id: string, body: unknown, headers?: Record<string, string>) {
  return t.request(subPath(id), json("PUT", body, headers));
}

export interface SubscriptionView {
  id: string;
  type: string;
  status: string;
  generation: number;
  next_attempt_at: string | null;
  streams: Array<{ path: string; link_type: string; acked_offset: string }>;
  webhook: { url: string; signing?: { alg: string; kid: string; jwks_url: string } } | null;
  [key: string]: unknown;
}

export async function getSub(t: TestApp, id: string): Promise<SubscriptionView> {
  const res = await t.request(subPath(id));
  if (res.status !== 200) throw new Error(`GET ${id}: ${res.status} ${await res.text()}`);
  return (await res.json()) as SubscriptionView;
}

/** POST a callback/ack/release with the wake's token. */
export function wakeCall(t: TestApp, id: string, op: "callback" | "ack" | "release", token: string, body: unknown) {
  return t.request(`${subPath(id)}/${op}`, json("POST", body, { authorization: `Bearer ${token}` }));
}

/** Polls `check` (a cheap in-process read) until it holds: for state the API only shows by polling. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A response's JSON body, typed as the test expects it. */
export async function bodyOf<T = Record<string, unknown>>(res: Response | Promise<Response>): Promise<T> {
  return (await (await res).json()) as T;
}

export interface Jwks {
  keys: Array<{ kty: string; crv: string; kid: string; use: string; alg: string; x: string }>;
}

export const offset = (position: number) => `0000000000000000_${position.toString().padStart(16, "0")}`;
