/**
 * The admission middleware every request passes before its handler, in this order: the
 * per-client rate limit, stream path validation, access control, the per-token rate limit,
 * the stream cap (creates), the live-connection caps (long-poll, SSE), and the JSON message
 * limit (writes). What applies is read from the route's declaration (routing/route.ts). Each
 * check is a separate file under middleware/; with everything at its default a request costs
 * a regex test and a few comparisons here, and no promise unless it needs one.
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
import type { RouteParams, RouteSpec } from "./routing/route.js";

/** What admission leaves behind: who the request acts as, and a slot to give back when it ends. */
export interface Admission {
  readonly principal: string | undefined;
  readonly release: (() => void) | undefined;
}

/** How requests no route serves are admitted: any valid credential, so probing paths needs one. */
const UNROUTED: Pick<RouteSpec, "access"> = { access: "authenticated" };

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

  /** Admits the request or throws the error that refuses it; `route` is absent for unrouted requests. */
  admit(
    route: RouteSpec | undefined,
    request: HttpRequest,
    params: RouteParams,
  ): Admission | undefined | Promise<Admission | undefined> {
    if (route?.unmetered) return undefined;
    const live = route?.reserves === "live";
    const client = this.perClient || live ? clientAddress(request, this.options.trustProxy) : undefined;
    // Before authentication, so guessing credentials is throttled too.
    if (this.perClient && client !== undefined) this.perClient.take(client);
    if (route?.streamPaths) {
      for (const path of route.streamPaths(request)) validateStreamPath(path, this.options.maxPathBytes);
    }
    if (!this.access) return this.reserve(route, request, client, undefined);
    const principal = this.access.check((route ?? UNROUTED).access, request, params);
    if (principal instanceof Promise) {
      return principal.then((verified) => this.afterAccess(route, request, client, verified));
    }
    return this.afterAccess(route, request, client, principal);
  }

  /** Preflights carry no credentials (browsers send none); only the per-client rate limit applies. */
  admitPreflight(request: HttpRequest): void {
    if (!this.perClient) return;
    const client = clientAddress(request, this.options.trustProxy);
    if (client !== undefined) this.perClient.take(client);
  }

  private afterAccess(
    route: RouteSpec | undefined,
    request: HttpRequest,
    client: string | undefined,
    principal: Principal | undefined,
  ): Admission | undefined | Promise<Admission | undefined> {
    if (principal && this.perToken) this.perToken.take(principal.id);
    return this.reserve(route, request, client, principal?.id);
  }

  /** The stream cap, the live caps and the message limit: the checks that hold something. */
  private reserve(
    route: RouteSpec | undefined,
    request: HttpRequest,
    client: string | undefined,
    principal: string | undefined,
  ): Admission | undefined | Promise<Admission | undefined> {
    let release: (() => void) | undefined;
    if (route?.reserves === "stream") release = this.quota.reserve(request.path);
    else if (route?.reserves === "live") release = this.live.acquire(client);
    const admission = release || principal ? { principal, release } : undefined;
    const json = route?.jsonBody ? this.mayHoldLargeJson(request) : false;
    if (json === false) return admission;
    return (async () => {
      if (await json) await this.checkJson(request);
      return admission;
    })().catch((error: unknown) => {
      release?.();
      throw error;
    });
  }

  /**
   * Whether a write's body may be JSON with a message over the limit (only then is it read
   * early). A fork without a Content-Type has its source's: looked up only then.
   */
  private mayHoldLargeJson(request: HttpRequest): boolean | Promise<boolean> {
    const declared = request.header("content-length");
    if (declared !== undefined && Number(declared) <= this.options.maxMessageBytes) return false;
    const contentType = request.header(Header.contentType);
    if (contentType !== undefined) return isJsonContentType(contentType);
    const forkedFrom = request.header(Header.forkedFrom);
    if (forkedFrom === undefined) return false;
    return this.engine
      .stream(sourcePath(forkedFrom))
      .then((source) => !!source && isJsonContentType(source.contentType));
  }

  /** Reads the body (the handler's read gets the same bytes) and checks each message's size. */
  private async checkJson(request: HttpRequest): Promise<void> {
    const body = await request.readBody(this.options.maxBodyBytes);
    checkJsonMessageSize(body, this.options.maxMessageBytes);
  }
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
