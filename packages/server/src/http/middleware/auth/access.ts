/**
 * Access control middleware (PROTOCOL §12.1, §12.2): checks what a route declares it needs
 * (routing/route.ts `access`) against the request's credential, and gives the 401/403 answers.
 * Handlers never look at credentials.
 */
import { ProtocolError } from "@rivulet/protocol";
import type { HttpRequest } from "../../exchange.js";
import type { Access, Demand, RouteParams } from "../../routing/route.js";
import { Authenticator, REALM } from "./authenticator.js";
import type { AuthOptions } from "./config.js";
import { allows, type Principal } from "./scopes.js";

export class AccessControl {
  private readonly authenticator: Authenticator;

  constructor(options: AuthOptions, now?: () => number) {
    this.authenticator = new Authenticator(options, now);
  }

  /**
   * The principal the request acts as, once it is known to be allowed; throws UNAUTHORIZED or
   * FORBIDDEN. Synchronous for static tokens and cached JWTs alike: only a JWT verification, or
   * demands that depend on the body, return a promise.
   */
  check(
    access: Access,
    request: HttpRequest,
    params: RouteParams,
  ): Principal | undefined | Promise<Principal | undefined> {
    if (access === "open") return undefined;
    const authenticated = this.authenticator.authenticate(request.header("authorization"));
    if (authenticated instanceof Promise) {
      return authenticated.then((principal) => authorize(principal, access, request, params));
    }
    return authorize(authenticated, access, request, params);
  }
}

function authorize(
  principal: Principal,
  access: Exclude<Access, "open">,
  request: HttpRequest,
  params: RouteParams,
): Principal | Promise<Principal> {
  if (access === "authenticated") return principal;
  if (typeof access === "string") {
    demand(principal, { scope: access, path: request.path });
    return principal;
  }
  const demands = access(request, params);
  if (demands instanceof Promise) {
    return demands.then((list) => {
      for (const needed of list) demand(principal, needed);
      return principal;
    });
  }
  for (const needed of demands) demand(principal, needed);
  return principal;
}

function demand(principal: Principal, { scope, path }: Demand): void {
  if (allows(principal, scope, path)) return;
  throw new ProtocolError("FORBIDDEN", `This credential does not grant ${scope} on ${path}`, {
    "www-authenticate": `${REALM}, error="insufficient_scope"`,
  });
}
