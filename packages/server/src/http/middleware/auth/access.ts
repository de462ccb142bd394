/**
 * Access control middleware (PROTOCOL §12.1, §12.2): which scope each operation needs, on
 * which path, and the 401/403 answers. The operation classification decides the scope, so
 * handlers never look at credentials.
 */
import { ProtocolError } from "@rivulet/protocol";
import type { HttpRequest } from "../../exchange.js";
import type { Operation } from "../../operation.js";
import { Authenticator, REALM } from "./authenticator.js";
import type { AccessScope, AuthOptions } from "./config.js";
import { allows, type Principal } from "./scopes.js";

/** What an operation needs: nothing, any valid credential, or a scope on the request path. */
const NEEDS: Record<Operation, AccessScope | "open" | "authenticated"> = {
  preflight: "open", // browsers send no credentials on a CORS preflight
  health: "open",
  ready: "open",
  create: "write",
  fork: "write", // and read on the source, checked separately
  append: "write",
  delete: "write",
  read: "read",
  "long-poll": "read",
  sse: "read",
  head: "read",
  list: "admin",
  metrics: "admin",
  "not-found": "authenticated",
  "bad-method": "authenticated",
};

export class AccessControl {
  private readonly authenticator: Authenticator;

  constructor(options: AuthOptions, now?: () => number) {
    this.authenticator = new Authenticator(options, now);
  }

  /**
   * The principal the request acts as, once it is known to be allowed; throws UNAUTHORIZED or
   * FORBIDDEN. `forkSource` is the decoded Stream-Forked-From path of a fork. Synchronous for
   * static tokens and cached JWTs' callers alike: only a JWT verification returns a promise.
   */
  check(
    operation: Operation,
    request: HttpRequest,
    forkSource?: string,
  ): Principal | undefined | Promise<Principal | undefined> {
    const needs = NEEDS[operation];
    if (needs === "open") return undefined;
    const authenticated = this.authenticator.authenticate(request.header("authorization"));
    if (authenticated instanceof Promise) {
      return authenticated.then((principal) => authorize(principal, needs, request.path, forkSource));
    }
    return authorize(authenticated, needs, request.path, forkSource);
  }
}

function authorize(
  principal: Principal,
  needs: AccessScope | "authenticated",
  path: string,
  forkSource: string | undefined,
): Principal {
  if (needs === "authenticated") return principal;
  demand(principal, needs, path);
  // A fork copies its source, so it reads it.
  if (forkSource !== undefined) demand(principal, "read", forkSource);
  return principal;
}

function demand(principal: Principal, scope: AccessScope, path: string): void {
  if (allows(principal, scope, path)) return;
  throw new ProtocolError("FORBIDDEN", `This credential does not grant ${scope} on ${path}`, {
    "www-authenticate": `${REALM}, error="insufficient_scope"`,
  });
}
