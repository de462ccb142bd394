/**
 * Executes fuzz commands against the server and keeps the model in step with what the
 * server acknowledged. Every reply is checked as it arrives: never a 5xx, access control as
 * the credential says, and no acknowledged stream vanishing; `verify` then reads every
 * stream back in full and compares it with the model.
 */
import { Header, isJsonContentType, isTrueFlag } from "@rivulet/protocol";
import { type Auth, type Command, type ProducerPick, type RawCase, RUN_PATH } from "./arbitraries.js";
import { appendTo, difference, Model, parseJson, type StreamModel } from "./model.js";
import { type Reply, rawSend, send, type Target } from "./wire.js";

export const FULL_TOKEN = "fuzz-full-access-token-0123456789";
export const READ_TOKEN = "fuzz-read-only-token-0123456789";

export interface Counters {
  requests: number;
  raw: number;
  acknowledgedAppends: number;
  verifiedStreams: number;
}

export class FuzzFailure extends Error {}

function fail(message: string): never {
  throw new FuzzFailure(message);
}

function authHeaders(auth: Auth): Record<string, string> {
  switch (auth) {
    case "full":
      return { authorization: `Bearer ${FULL_TOKEN}` };
    case "read-only":
      return { authorization: `Bearer ${READ_TOKEN}` };
    case "garbage":
      return { authorization: "Bearer not-a-token-at-all-0123456789" };
    case "none":
      return {};
  }
}

const FULL = authHeaders("full");

export class Runner {
  readonly model = new Model();

  constructor(
    private readonly target: Target,
    private readonly runPath: string,
    private readonly counters: Counters,
  ) {}

  private path(stream: number): string {
    return `${this.runPath}/s${stream}`;
  }

  /** Generated text names this run's streams through the placeholder. */
  private resolve(text: string): string {
    return text
      .replaceAll(RUN_PATH, this.runPath)
      .replaceAll(encodeURIComponent(RUN_PATH), encodeURIComponent(this.runPath));
  }

  private resolveAll(headers: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, this.resolve(value)]));
  }

  private async request(
    context: string,
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: Buffer | Buffer[],
  ): Promise<Reply> {
    this.counters.requests++;
    const reply = await send(this.target, method, path, headers, body);
    if (reply.status >= 500)
      fail(`${context}: ${method} ${path} answered ${reply.status}: ${reply.body.toString().slice(0, 200)}`);
    return reply;
  }

  /** Access control as the credential says: no or bad credential is 401; read-only may not write. */
  private checkAccess(context: string, auth: Auth, write: boolean, reply: Reply, validRequest = true): boolean {
    if (auth === "none" || auth === "garbage") {
      if (validRequest && reply.status !== 401)
        fail(`${context}: expected 401 without a valid token, got ${reply.status}`);
      return false;
    }
    if (auth === "read-only" && write) {
      if (validRequest && reply.status !== 403)
        fail(`${context}: expected 403 for a read-only token, got ${reply.status}`);
      return false;
    }
    return true;
  }

  private notFound(context: string, path: string, reply: Reply): void {
    if (reply.status === 404) {
      const problem = this.model.missing(path);
      if (problem) fail(`${context}: ${problem}`);
    }
    if (reply.status === 410 && this.model.streams.has(path)) fail(`${context}: ${path} is 410 but was never deleted`);
  }

  async run(command: Command): Promise<void> {
    switch (command.kind) {
      case "create":
        return this.create(command);
      case "fork":
        return this.fork(command);
      case "append":
        return this.append(command);
      case "read":
        return this.read(command);
      case "head":
      case "delete":
        return this.headOrDelete(command);
      case "random":
        await this.request(
          "random",
          command.method,
          this.resolve(command.path),
          { ...this.resolveAll(command.headers), ...authHeaders(command.auth) },
          command.method === "GET" || command.method === "HEAD" ? undefined : command.body,
        );
        return;
      case "raw":
        return this.raw(command.case);
    }
  }

  private async create(command: Extract<Command, { kind: "create" }>): Promise<void> {
    const path = this.path(command.stream);
    const headers = { ...command.headers, ...authHeaders(command.auth) };
    const reply = await this.request(
      "create",
      "PUT",
      path,
      headers,
      command.body.length > 0 ? command.body : undefined,
    );
    if (!this.checkAccess("create", command.auth, true, reply)) return;
    const known = this.model.streams.get(path);
    if (reply.status === 201) {
      if (known && !known.volatile) fail(`create: ${path} created again over an acknowledged stream`);
      const type = headers[Header.contentType] ?? "application/octet-stream";
      const volatile = Header.ttl in headers || Header.expiresAt in headers;
      this.model.create(
        path,
        isJsonContentType(type),
        command.body,
        volatile,
        isTrueFlag(reply.headers[Header.closed] as string),
      );
    } else if (reply.status === 200 && !known) {
      fail(`create: ${path} answered 200 (exists) but was never acknowledged`);
    }
  }

  private async fork(command: Extract<Command, { kind: "fork" }>): Promise<void> {
    const path = this.path(command.stream);
    const headers: Record<string, string> = { ...command.headers, ...authHeaders(command.auth) };
    const sourcePath = this.resolve(command.source);
    // Without Stream-Forked-From the PUT is a plain create.
    if (sourcePath === "") return this.create({ ...command, kind: "create" });
    headers[Header.forkedFrom] = sourcePath;
    const reply = await this.request("fork", "PUT", path, headers, command.body.length > 0 ? command.body : undefined);
    if (!this.checkAccess("fork", command.auth, true, reply, false)) return;
    if (reply.status !== 201) {
      if (reply.status === 200 && !this.model.streams.has(path))
        fail(`fork: ${path} answered 200 but was never acknowledged`);
      return;
    }
    const source = this.model.streams.get(sourcePath);
    if (!source) fail(`fork: ${path} created from ${JSON.stringify(sourcePath)}, which holds no acknowledged stream`);
    const known = this.model.streams.get(path);
    if (known && !known.volatile) fail(`fork: ${path} created again over an acknowledged stream`);
    // A fork with a lifetime of its own, or inheriting one, may expire at any time.
    const volatile = source.volatile || Header.ttl in headers || Header.expiresAt in headers;
    const read = await this.readAll(path, source.json);
    if (read === undefined) {
      if (volatile) return;
      fail(`fork: ${path} answered 201 but cannot be read`);
    }
    checkForkContent(path, source, read, command.body);
    const fork = this.model.create(path, source.json, Buffer.alloc(0), volatile, false);
    if (source.json) fork.messages = read as unknown[];
    else fork.bytes = read as Buffer;
    fork.closed = isTrueFlag(reply.headers[Header.closed] as string);
  }

  private async append(command: Extract<Command, { kind: "append" }>): Promise<void> {
    const path = this.path(command.stream);
    const stream = this.model.streams.get(path);
    const json = stream?.json ?? false;
    const payload = command.body === "match" ? (json ? command.jsonBody : command.bytesBody) : command.body;
    const type =
      command.contentType === "match" ? (json ? "application/json" : "application/octet-stream") : command.contentType;
    const headers: Record<string, string> = {
      ...(type === "" ? {} : { [Header.contentType]: type }),
      ...command.headers,
      ...this.producerHeaders(command.producer, stream),
      ...authHeaders(command.auth),
    };
    const body = command.chunked && payload.length > 2 ? splitInThree(payload) : payload;
    const reply = await this.request("append", "POST", path, headers, payload.length > 0 ? body : undefined);
    if (!this.checkAccess("append", command.auth, true, reply)) return;
    this.notFound("append", path, reply);
    if (reply.status !== 200 && reply.status !== 204) return;
    if (!stream) fail(`append: ${path} accepted an append but was never acknowledged`);
    const withProducer =
      Header.producerId in headers || Header.producerEpoch in headers || Header.producerSeq in headers;
    // §5.2.1: a producer's new data is 200; its duplicates are 204 and add nothing.
    const written = payload.length > 0 && (withProducer ? reply.status === 200 : true);
    if (written) {
      if (stream.closed) fail(`append: ${path} took data after its closure was acknowledged`);
      appendTo(stream, payload);
      this.counters.acknowledgedAppends++;
    }
    if (isTrueFlag(reply.headers[Header.closed] as string)) stream.closed = true;
    const epoch = reply.headers[Header.producerEpoch];
    const seq = reply.headers[Header.producerSeq];
    if (withProducer && typeof epoch === "string" && typeof seq === "string") {
      stream.producers.set(headers[Header.producerId]!, { epoch: Number(epoch), seq: Number(seq) });
    }
  }

  /** Producer headers relative to what the model knows, so most claims are in sequence. */
  private producerHeaders(
    producer: ProducerPick | Record<string, string> | undefined,
    stream: StreamModel | undefined,
  ): Record<string, string> {
    if (producer === undefined) return {};
    if (!("epochDelta" in producer)) return producer as Record<string, string>;
    const claim = producer as ProducerPick;
    const state = stream?.producers.get(claim.id) ?? { epoch: 0, seq: -1 };
    const epoch = Math.max(0, state.epoch + claim.epochDelta);
    const seq = epoch > state.epoch ? Math.max(0, claim.seqDelta - 1) : Math.max(0, state.seq + claim.seqDelta);
    return { [Header.producerId]: claim.id, [Header.producerEpoch]: String(epoch), [Header.producerSeq]: String(seq) };
  }

  private async read(command: Extract<Command, { kind: "read" }>): Promise<void> {
    const path = this.path(command.stream);
    const reply = await this.request("read", "GET", `${path}${command.query}`, {
      ...command.headers,
      ...authHeaders(command.auth),
    });
    if (!this.checkAccess("read", command.auth, false, reply)) return;
    this.notFound("read", path, reply);
    const stream = this.model.streams.get(path);
    // A whole catch-up read can be checked on the spot.
    if (
      stream &&
      reply.status === 200 &&
      command.query === "?offset=-1" &&
      reply.headers[Header.upToDate] === "true" &&
      reply.headers["content-encoding"] === undefined
    ) {
      const problem = difference(stream, stream.json ? (parseJson(reply.body) as unknown[]) : reply.body);
      if (problem) fail(`read: ${path}: ${problem}`);
    }
  }

  private async headOrDelete(command: Extract<Command, { kind: "head" | "delete" }>): Promise<void> {
    const path = this.path(command.stream);
    const method = command.kind === "head" ? "HEAD" : "DELETE";
    const reply = await this.request(command.kind, method, path, authHeaders(command.auth));
    if (!this.checkAccess(command.kind, command.auth, command.kind === "delete", reply)) return;
    this.notFound(command.kind, path, reply);
    if (command.kind === "delete" && reply.status === 204) {
      if (!this.model.streams.has(path)) fail(`delete: ${path} deleted but was never acknowledged`);
      this.model.streams.delete(path);
    }
  }

  private async raw(rawCase: RawCase): Promise<void> {
    this.counters.raw++;
    const auth = `Authorization: Bearer ${FULL_TOKEN}\r\n`;
    let result: { statuses: number[] };
    switch (rawCase.kind) {
      case "malformed":
        result = await rawSend(this.target, [rawCase.bytes], { waitMs: 300, untilAnswered: true });
        break;
      case "abort-headers":
        result = await rawSend(this.target, [rawCase.bytes], { waitMs: 0, abortAfterMs: 5 });
        break;
      case "trickle":
        result = await rawSend(
          this.target,
          [...rawCase.bytes].map((b) => Buffer.from([b])),
          { waitMs: 2_000, gapMs: rawCase.gapMs, untilAnswered: true },
        );
        break;
      case "cut-short": {
        // The body never arrives whole, so nothing may be appended: verify() checks.
        const sent = rawCase.body.subarray(0, Math.floor(rawCase.body.length * rawCase.sent));
        const framing = rawCase.chunked ? "Transfer-Encoding: chunked" : `Content-Length: ${rawCase.body.length}`;
        const head = `POST ${this.path(rawCase.stream)} HTTP/1.1\r\nHost: h\r\n${auth}Content-Type: application/json\r\n${framing}\r\n\r\n`;
        const payload = rawCase.chunked
          ? Buffer.concat([Buffer.from(`${rawCase.body.length.toString(16)}\r\n`), sent])
          : sent;
        result = await rawSend(this.target, [Buffer.from(head), payload], { waitMs: 0, abortAfterMs: 10 });
        break;
      }
      case "sse-disconnect":
      case "long-poll-disconnect": {
        const live = rawCase.kind === "sse-disconnect" ? "sse&offset=-1" : "long-poll&offset=now";
        const head = `GET ${this.path(rawCase.stream)}?live=${live} HTTP/1.1\r\nHost: h\r\n${auth}\r\n`;
        result = await rawSend(this.target, [Buffer.from(head)], { waitMs: 0, abortAfterMs: rawCase.afterMs + 1 });
        break;
      }
    }
    const serverError = result.statuses.find((status) => status >= 500);
    if (serverError !== undefined) fail(`raw ${rawCase.kind}: answered ${serverError}`);
  }

  /** Reads a stream from the start to its tail: its messages or bytes, or undefined when it is gone. */
  async readAll(path: string, json: boolean): Promise<Buffer | unknown[] | undefined> {
    const messages: unknown[] = [];
    const parts: Buffer[] = [];
    let offset = "-1";
    for (let page = 0; page < 10_000; page++) {
      const reply = await this.request("verify", "GET", `${path}?offset=${offset}`, FULL);
      if (reply.status === 404 || reply.status === 410) return undefined;
      if (reply.status !== 200) fail(`verify: reading ${path} answered ${reply.status}`);
      if (json) messages.push(...(parseJson(reply.body) as unknown[]));
      else parts.push(reply.body);
      const next = reply.headers[Header.nextOffset] as string;
      if (reply.headers[Header.upToDate] === "true" || next === offset) return json ? messages : Buffer.concat(parts);
      offset = next;
    }
    fail(`verify: ${path} never reached its tail`);
  }

  /** Every acknowledged stream reads back exactly as the model says. */
  async verify(): Promise<void> {
    for (const [path, stream] of this.model.streams) {
      const read = await this.readAll(path, stream.json);
      if (read === undefined) {
        if (stream.volatile) continue;
        fail(`verify: ${path} acknowledged but gone`);
      }
      const problem = difference(stream, read);
      if (problem) fail(`verify: ${path}: ${problem}`);
      if (stream.closed) {
        const head = await this.request("verify", "HEAD", path, FULL);
        if (head.headers[Header.closed] !== "true") fail(`verify: ${path} closure was acknowledged but is lost`);
      }
      this.counters.verifiedStreams++;
    }
  }
}

/** A fork holds a prefix of its source, then its own initial body. */
function checkForkContent(path: string, source: StreamModel, read: Buffer | unknown[], body: Buffer): void {
  const probe: StreamModel = { ...source, messages: [], bytes: Buffer.alloc(0), producers: new Map() };
  if (body.length > 0) appendTo(probe, body);
  if (source.json) {
    const messages = read as unknown[];
    const own = probe.messages.length;
    const prefix = messages.slice(0, messages.length - own);
    const prefixProblem = difference({ ...source, messages: source.messages.slice(0, prefix.length) }, prefix);
    const ownProblem = difference({ ...probe }, messages.slice(messages.length - own));
    if (prefixProblem || ownProblem) fail(`fork: ${path}: ${prefixProblem ?? ownProblem}`);
    return;
  }
  const bytes = read as Buffer;
  const prefix = bytes.subarray(0, bytes.length - probe.bytes.length);
  if (!prefix.equals(source.bytes.subarray(0, prefix.length)) || !bytes.subarray(prefix.length).equals(probe.bytes)) {
    fail(`fork: ${path}: not a prefix of its source followed by its own body`);
  }
}

function splitInThree(body: Buffer): Buffer[] {
  const a = Math.floor(body.length / 3);
  const b = Math.floor((2 * body.length) / 3);
  return [body.subarray(0, a), body.subarray(a, b), body.subarray(b)];
}
