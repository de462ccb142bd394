/**
 * For the subscription tests: an in-process server whose webhooks may reach this machine, a
 * subscriptions client for it, local HTTP servers for receivers, and ways to wait for events.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SubscriptionsClient, type SubscriptionsOptions } from "@rivulet/client/subscriptions";
import type { ListenOptions } from "@rivulet/server";
import { eventually as poll, startTestServer, type TestServer, uniqueName } from "../support/server.js";

export interface SubsServer extends TestServer {
  /** The stream root. */
  readonly root: string;
  readonly subs: SubscriptionsClient;
  /** A client for this server with other options. */
  client(options?: Omit<SubscriptionsOptions, "baseUrl">): SubscriptionsClient;
  /** Creates a stream (relative path) with a body; returns its tail offset. */
  createStream(path: string, body?: string, contentType?: string): Promise<string>;
  /** Appends to a stream; returns its new tail offset. */
  append(path: string, body: string, contentType?: string): Promise<string>;
}

export async function startSubsServer(options: ListenOptions = {}): Promise<SubsServer> {
  const server = await startTestServer({ webhookAllow: ["127.0.0.1", "localhost"], ...options });
  const root = `${server.url}/v1/stream`;
  const client = (more: Omit<SubscriptionsOptions, "baseUrl"> = {}) =>
    new SubscriptionsClient({ baseUrl: root, ...more });
  const write = async (method: "PUT" | "POST", path: string, body: string | undefined, contentType: string) => {
    const init: RequestInit = { method, headers: { "content-type": contentType } };
    if (body !== undefined) init.body = body;
    const response = await fetch(`${root}/${path}`, init);
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.headers.get("stream-next-offset")!;
  };
  return {
    ...server,
    root,
    subs: client(),
    client,
    createStream: (path, body, contentType = "application/json") => write("PUT", path, body, contentType),
    append: (path, body, contentType = "application/json") => write("POST", path, body, contentType),
  };
}

/**
 * Polls state the API only shows by polling (a cursor the server moves after a webhook's
 * answer) until it holds; generous, for a busy machine: it ends as soon as it holds.
 */
export function eventually(condition: () => boolean | Promise<boolean>): Promise<void> {
  return poll(condition, 30_000);
}

/** A subscription id (or stream prefix) no other test uses. */
export const uniqueId = (prefix: string) => uniqueName(prefix);

/** A promise with its resolve at hand. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A local HTTP server for `handler`; `url` ends in `/hook`. */
export async function httpServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Resolves with the first event `test` accepts, from a hook the caller installs. */
export class Events<E> {
  readonly seen: E[] = [];
  readonly #waiters: { test: (event: E) => boolean; resolve: (event: E) => void }[] = [];

  readonly push = (event: E): void => {
    this.seen.push(event);
    for (const waiter of [...this.#waiters]) {
      if (!waiter.test(event)) continue;
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve(event);
    }
  };

  /** The first event (already seen or still to come) that passes `test`. */
  next(test: (event: E) => boolean, timeoutMs = 30_000): Promise<E> {
    const found = this.seen.find(test);
    if (found) return Promise.resolve(found);
    return this.#wait(test, timeoutMs);
  }

  /** The first event from now on that passes `test`. */
  upcoming(test: (event: E) => boolean, timeoutMs = 30_000): Promise<E> {
    return this.#wait(test, timeoutMs);
  }

  #wait(test: (event: E) => boolean, timeoutMs: number): Promise<E> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no such event; saw ${JSON.stringify(this.seen)}`)), timeoutMs);
      this.#waiters.push({
        test,
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event);
        },
      });
    });
  }
}
