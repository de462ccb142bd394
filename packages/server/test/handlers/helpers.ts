/**
 * Shared helpers for the in-process handler tests: a ProtocolApp behind the fetch adapter,
 * request shorthands, and assertions on the error envelope `{"error":{"code","message"}}`.
 */
import type { ErrorCode } from "@rivulet/protocol";
import { createFetchHandler, MemoryStore, ProtocolApp, type ServerOptions, type Store } from "@rivulet/server";
import { expect } from "vitest";
import { type ParsedEvent, parseSse } from "../../../protocol/test/sse-parse.js";

export const BASE = "/v1/stream";
const ORIGIN = "http://rivulet.test";

export const encode = (text: string) => new TextEncoder().encode(text);

export interface TestApp {
  readonly app: ProtocolApp;
  readonly store: Store;
  /** Sends a request to `path` (relative to the host) through the fetch adapter. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** A stream path no other test uses. */
  path(name?: string): string;
  /** PUT, expecting 201. */
  create(
    path: string,
    contentType?: string,
    body?: string | Uint8Array,
    headers?: Record<string, string>,
  ): Promise<Response>;
  /** POST, expecting 2xx. */
  append(
    path: string,
    contentType: string,
    body: string | Uint8Array,
    headers?: Record<string, string>,
  ): Promise<Response>;
  close(): Promise<void>;
}

let counter = 0;

export async function startApp(options: ServerOptions = {}): Promise<TestApp> {
  const store = options.store ?? new MemoryStore();
  const app = new ProtocolApp({ ...options, store });
  await app.open();
  const handler = createFetchHandler(app);
  const request = (path: string, init?: RequestInit) => handler(new Request(`${ORIGIN}${path}`, init));
  const toBytes = (body: string | Uint8Array) => (typeof body === "string" ? encode(body) : body);
  return {
    app,
    store,
    request,
    path: (name = "s") => `${BASE}/${name}-${++counter}`,
    async create(path, contentType = "text/plain", body, headers = {}) {
      const res = await request(path, {
        method: "PUT",
        headers: { "content-type": contentType, ...headers },
        ...(body === undefined ? {} : { body: toBytes(body) }),
      });
      expect(res.status, `create ${path}`).toBe(201);
      return res;
    },
    async append(path, contentType, body, headers = {}) {
      const res = await request(path, {
        method: "POST",
        headers: { "content-type": contentType, ...headers },
        body: toBytes(body),
      });
      expect([200, 204], `append to ${path}: ${res.status}`).toContain(res.status);
      return res;
    },
    close: () => app.close(),
  };
}

/** Asserts status, error code and the JSON envelope; returns the parsed body. */
export async function expectError(
  res: Response,
  status: number,
  code: ErrorCode,
): Promise<{ error: { code: string; message: string } }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect({ status: res.status, code: body.error?.code }).toEqual({ status, code });
  expect(typeof body.error.message).toBe("string");
  expect(res.headers.get("content-type")).toBe("application/json");
  return body;
}

export async function text(res: Response): Promise<string> {
  return new TextDecoder().decode(await res.arrayBuffer());
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(10);
  }
}

export interface SseResult {
  readonly events: ParsedEvent[];
  /** The server ended the response (as opposed to us stopping once `until` held). */
  readonly ended: boolean;
}

/**
 * Reads an SSE response until `until(events)` holds (then cancels), the server ends it, or
 * `timeoutMs` passes (then fails).
 */
export async function readSse(
  res: Response,
  until: (events: ParsedEvent[]) => boolean = () => false,
  timeoutMs = 3_000,
): Promise<SseResult> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`SSE read timed out; got ${JSON.stringify(buffered)}`)), timeoutMs);
  });
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), timeout]);
      if (done) return { events: parseSse(buffered), ended: true };
      buffered += decoder.decode(value, { stream: true });
      // Only complete events (ending in a blank line) count.
      const complete = buffered.slice(0, buffered.lastIndexOf("\n\n") + 2);
      const events = parseSse(complete);
      if (until(events)) {
        await reader.cancel();
        return { events, ended: false };
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

export type { ParsedEvent };

/** A store wrapper whose next operations can be made to fail, and which counts reads. */
export class FaultyStore extends MemoryStore {
  failAppend: Error | undefined;
  failCreate: Error | undefined;
  failRead: Error | undefined;
  reads = 0;

  override async append(...args: Parameters<MemoryStore["append"]>): Promise<void> {
    if (this.failAppend) throw this.failAppend;
    return super.append(...args);
  }

  override async create(...args: Parameters<MemoryStore["create"]>): Promise<void> {
    if (this.failCreate) throw this.failCreate;
    return super.create(...args);
  }

  override async read(...args: Parameters<MemoryStore["read"]>): Promise<Uint8Array> {
    this.reads++;
    if (this.failRead) throw this.failRead;
    return super.read(...args);
  }
}

/**
 * Calls the transport-free app directly, for replies an HTTP client cannot see the body of
 * (HEAD): returns the status and the error code from the reply body.
 */
export async function handleDirect(
  app: ProtocolApp,
  method: string,
  path: string,
): Promise<{ status: number; code: string | undefined; headers: Record<string, string> }> {
  const reply = await app.handle({
    id: "direct",
    bodyBytes: 0,
    method,
    path,
    query: new URLSearchParams(),
    header: () => undefined,
    readBody: async () => new Uint8Array(0),
    onClose: () => {},
  });
  const body = reply.body?.length ? JSON.parse(new TextDecoder().decode(Buffer.concat(reply.body))) : undefined;
  return { status: reply.status, code: body?.error?.code, headers: reply.headers };
}
