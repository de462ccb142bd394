/**
 * The webhook receiver's one core takes the raw body bytes and the headers and gives back an
 * answer; these adapters feed it from a fetch handler (Workers, Deno, Bun, Hono), a
 * `node:http` handler (also Express), and a Fastify plugin. None imports its framework: they
 * use the shapes those frameworks already hand over, so this entry stays isomorphic.
 *
 * The signature covers the raw bytes (PROTOCOL §7.1), so no adapter may let a JSON body
 * parser run first; each says so clearly when one did.
 */
import type { MaybePromise } from "../options.js";

export type HeaderSource = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

export interface WebhookRequest {
  readonly headers: HeaderSource;
  /** The body exactly as received. */
  readonly body: Uint8Array | string;
  /** The receiver's own URL, for errors and logs. */
  readonly url?: string;
}

export interface WebhookAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Where work that outlives the answer is registered (a Workers `ExecutionContext`). */
export interface BackgroundContext {
  waitUntil?(promise: Promise<unknown>): void;
}

export type HandleWebhook = (request: WebhookRequest, context?: BackgroundContext) => Promise<WebhookAnswer>;

export function headerValue(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, string | readonly string[] | undefined>)[name];
  return typeof value === "string" ? value : value?.[0];
}

export function jsonAnswer(status: number, body: unknown): WebhookAnswer {
  return { status, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

function tooLarge(limit: number): WebhookAnswer {
  const message = `The body is larger than ${limit} bytes`;
  return jsonAnswer(413, { error: { code: "WEBHOOK_REJECTED", reason: "BODY_TOO_LARGE", message } });
}

const rawBodyNeeded = (where: string) =>
  jsonAnswer(500, {
    error: {
      code: "RAW_BODY_NEEDED",
      message: `The request body was parsed before the receiver saw it; the signature covers the raw bytes: ${where}`,
    },
  });

/** `(request) => Response`, for Workers, Deno, Bun and Hono (`(c) => handler(c.req.raw, c.executionCtx)`). */
export function fetchAdapter(
  handle: HandleWebhook,
  maxBytes: number,
): (request: Request, context?: BackgroundContext) => Promise<Response> {
  return async (request, context) => {
    const declared = Number(request.headers.get("content-length"));
    let answer: WebhookAnswer;
    if (declared > maxBytes) answer = tooLarge(maxBytes);
    else {
      const body = new Uint8Array(await request.arrayBuffer());
      answer =
        body.length > maxBytes
          ? tooLarge(maxBytes)
          : await handle({ headers: request.headers, body, url: request.url }, context);
    }
    return new Response(answer.body, { status: answer.status, headers: answer.headers });
  };
}

/** What `node:http` (and Express) hand a handler, as far as the receiver needs it. */
export interface NodeRequestLike extends AsyncIterable<Uint8Array | string> {
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly url?: string | undefined;
  /** Set by body parsers: a Buffer or string (`express.raw()`, `express.text()`) is used as is. */
  readonly body?: unknown;
  readonly readableEnded?: boolean;
}

export interface NodeResponseLike {
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body: string): unknown;
}

/** `(req, res)` for `node:http`'s createServer and Express routes. */
export function nodeAdapter(
  handle: HandleWebhook,
  maxBytes: number,
): (req: NodeRequestLike, res: NodeResponseLike) => Promise<void> {
  return async (req, res) => {
    let answer: WebhookAnswer;
    try {
      answer = await nodeAnswer(handle, maxBytes, req);
    } catch {
      // The request broke off while its body was read: there is no one left to answer.
      return;
    }
    res.writeHead(answer.status, { ...answer.headers });
    res.end(answer.body);
  };
}

async function nodeAnswer(handle: HandleWebhook, maxBytes: number, req: NodeRequestLike): Promise<WebhookAnswer> {
  const given = req.body;
  let body: Uint8Array | string;
  if (given instanceof Uint8Array || typeof given === "string") body = given;
  else if (req.readableEnded) {
    return rawBodyNeeded("mount express.raw({ type: 'application/json' }) on this route, or no JSON parser before it");
  } else {
    const read = await readBounded(req, maxBytes);
    if (!read) return tooLarge(maxBytes);
    body = read;
  }
  if (byteLength(body) > maxBytes) return tooLarge(maxBytes);
  return handle({ headers: req.headers, body, ...(req.url && { url: req.url }) });
}

async function readBounded(
  chunks: AsyncIterable<Uint8Array | string>,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
    size += bytes.length;
    // Reading on would only buffer what is refused anyway.
    if (size > maxBytes) return undefined;
    parts.push(bytes);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    body.set(part, at);
    at += part.length;
  }
  return body;
}

function byteLength(body: Uint8Array | string): number {
  return typeof body === "string" ? new TextEncoder().encode(body).length : body.length;
}

/** The parts of a Fastify instance the plugin uses. */
export interface FastifyLike {
  removeAllContentTypeParsers(): void;
  addContentTypeParser(
    type: string,
    options: { parseAs: "buffer"; bodyLimit: number },
    parser: (request: unknown, body: Uint8Array | string, done: (error: Error | null, body?: unknown) => void) => void,
  ): void;
  post(path: string, handler: (request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<unknown>): unknown;
}

export interface FastifyRequestLike {
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: unknown;
  readonly url: string;
}

export interface FastifyReplyLike {
  code(status: number): FastifyReplyLike;
  headers(headers: Record<string, string>): FastifyReplyLike;
  send(body: string): MaybePromise<unknown>;
}

/**
 * A Fastify plugin: `app.register(receiver.fastify, { path: "/hook" })`. Inside its own
 * context it replaces the body parsers with one that keeps the raw bytes, so the rest of the
 * app keeps parsing JSON as before.
 */
export function fastifyAdapter(
  handle: HandleWebhook,
  maxBytes: number,
): (instance: FastifyLike, options: { path?: string }) => Promise<void> {
  return async (instance, options) => {
    instance.removeAllContentTypeParsers();
    instance.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: maxBytes }, (_request, body, done) =>
      done(null, body),
    );
    instance.post(options.path ?? "/", async (request, reply) => {
      // No body at all reaches no parser: an empty one, which no check lets through.
      const body = request.body ?? new Uint8Array(0);
      const answer =
        body instanceof Uint8Array || typeof body === "string"
          ? await handle({ headers: request.headers, body, url: request.url })
          : rawBodyNeeded("register the plugin with app.register, so its body parser applies");
      return reply
        .code(answer.status)
        .headers({ ...answer.headers })
        .send(answer.body);
    });
  };
}
