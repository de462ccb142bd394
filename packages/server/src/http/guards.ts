/**
 * The admission middleware every request passes before its handler, in this order: the
 * per-client rate limit, stream path validation, access control, the per-token rate limit,
 * the stream cap (creates), the live-connection caps (long-poll, SSE), and the JSON message
 * limit (writes). Each is a separate file under middleware/; with everything at its default
 * a request costs a regex test and a few comparisons here, and no promise unless it needs one.
 */
import { Header, isJsonContentType } from "@rivulet/protocol";
import type { Engine } from "../engine/engine.js";
import type { ResolvedOptions } from "../options.js";
import type { HttpRequest } from "./exchange.js";
import { sourcePath } from "./handlers/fork.js";
import { AccessControl } from "./middleware/auth/access.js";
import { checkAuthOptions } from "./middleware/auth/authenticator.js";
import type { Principal } from "./middleware/auth/scopes.js";
import { clientAddress } from "./middleware/client-address.js";
import { checkJsonMessageSize } from "./middleware/json-message-size.js";
import { LiveSlots } from "./middleware/live-slots.js";
import { RateLimiter } from "./middleware/rate-limit.js";
import { validateStreamPath } from "./middleware/stream-path.js";
import { StreamQuota } from "./middleware/stream-quota.js";
import type { Operation } from "./operation.js";

/** What admission leaves behind: who the request acts as, and a slot to give back when it ends. */
export interface Admission {
  readonly principal: string | undefined;
  readonly release: (() => void) | undefined;
}

const STREAM_OPERATIONS = new Set<Operation>([
  "create",
  "fork",
  "append",
  "read",
  "long-poll",
  "sse",
  "head",
  "delete",
]);

export class Guards {
  readonly live: LiveSlots;
  private readonly access: AccessControl | undefined;
  private readonly perClient: RateLimiter | undefined;
  private readonly perToken: RateLimiter | undefined;
  private readonly quota: StreamQuota;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly engine: Engine,
  ) {
    if (options.auth !== undefined) checkAuthOptions(options.auth);
    this.access = options.auth ? new AccessControl(options.auth, engine.now) : undefined;
    this.perClient = limiter(options.rateLimitPerClient, options.rateLimitPerClientBurst, "client", engine.now);
    this.perToken = limiter(options.rateLimitPerToken, options.rateLimitPerTokenBurst, "token", engine.now);
    this.live = new LiveSlots(options.maxLiveConnections, options.maxLiveConnectionsPerClient);
    this.quota = new StreamQuota(options.maxStreams, engine);
  }

  /** Admits the request or throws the error that refuses it. */
  admit(operation: Operation, request: HttpRequest): Admission | undefined | Promise<Admission | undefined> {
    if (operation === "health" || operation === "ready") return undefined;
    const client = this.perClient || isLive(operation) ? clientAddress(request, this.options.trustProxy) : undefined;
    // Before authentication, so guessing credentials is throttled too.
    if (this.perClient && client !== undefined) this.perClient.take(client);
    if (operation === "preflight") return undefined;
    let forkSource: string | undefined;
    if (STREAM_OPERATIONS.has(operation)) {
      validateStreamPath(request.path, this.options.maxPathBytes);
      if (operation === "fork") {
        forkSource = sourcePath(request.header(Header.forkedFrom) ?? "");
        validateStreamPath(forkSource, this.options.maxPathBytes);
      }
    }
    if (!this.access) return this.reserve(operation, request, client, undefined, forkSource);
    const principal = this.access.check(operation, request, forkSource);
    if (principal instanceof Promise) {
      return principal.then((verified) => this.afterAccess(operation, request, client, verified, forkSource));
    }
    return this.afterAccess(operation, request, client, principal, forkSource);
  }

  private afterAccess(
    operation: Operation,
    request: HttpRequest,
    client: string | undefined,
    principal: Principal | undefined,
    forkSource: string | undefined,
  ): Admission | undefined | Promise<Admission | undefined> {
    if (principal && this.perToken) this.perToken.take(principal.id);
    return this.reserve(operation, request, client, principal?.id, forkSource);
  }

  /** The stream cap, the live caps and the message limit: the checks that hold something. */
  private reserve(
    operation: Operation,
    request: HttpRequest,
    client: string | undefined,
    principal: string | undefined,
    forkSource: string | undefined,
  ): Admission | undefined | Promise<Admission | undefined> {
    let release: (() => void) | undefined;
    if (operation === "create" || operation === "fork") release = this.quota.reserve(request.path);
    else if (isLive(operation)) release = this.live.acquire(client);
    const admission = release || principal ? { principal, release } : undefined;
    if (!this.mayHoldLargeJson(operation, request, forkSource)) return admission;
    return this.checkJson(request).then(
      () => admission,
      (error: unknown) => {
        release?.();
        throw error;
      },
    );
  }

  /** Whether a write's body may be JSON with a message over the limit (only then is it read early). */
  private mayHoldLargeJson(operation: Operation, request: HttpRequest, forkSource: string | undefined): boolean {
    if (operation !== "append" && operation !== "create" && operation !== "fork") return false;
    const declared = request.header("content-length");
    if (declared !== undefined && Number(declared) <= this.options.maxMessageBytes) return false;
    const contentType =
      request.header(Header.contentType) ??
      (forkSource === undefined ? undefined : this.engine.peek(forkSource)?.contentType);
    return contentType !== undefined && isJsonContentType(contentType);
  }

  /** Reads the body (the handler's read gets the same bytes) and checks each message's size. */
  private async checkJson(request: HttpRequest): Promise<void> {
    const body = await request.readBody(this.options.maxBodyBytes);
    checkJsonMessageSize(body, this.options.maxMessageBytes);
  }
}

function isLive(operation: Operation): boolean {
  return operation === "long-poll" || operation === "sse";
}

function limiter(
  rate: number,
  burst: number | undefined,
  what: "client" | "token",
  now: () => number,
): RateLimiter | undefined {
  if (rate <= 0) return undefined;
  const size = burst ?? Math.max(1, Math.ceil(rate * 2));
  if (size < 1) throw new Error(`the rate limit burst per ${what} must be at least 1`);
  return new RateLimiter(rate, size, what, now);
}
