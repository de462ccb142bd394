/** The route table on its own: patterns, params, methods, the reserved namespace. */
import { describe, expect, test } from "vitest";
import type { HttpReply, HttpRequest } from "../../src/http/exchange.js";
import type { RouteSpec } from "../../src/http/routing/route.js";
import { Router } from "../../src/http/routing/router.js";

const handle = async (): Promise<HttpReply> => ({ status: 204, headers: {} });
const route = (method: RouteSpec["method"], path: string, operation: string, extra: Partial<RouteSpec> = {}) =>
  ({ method, path, operation, access: "open", handle, ...extra }) as RouteSpec;

function request(method: string, path: string, query = ""): HttpRequest {
  return {
    id: "t",
    method,
    path,
    query: new URLSearchParams(query),
    header: () => undefined,
    readBody: async () => new Uint8Array(0),
    bodyBytes: 0,
    onClose: () => {},
  };
}

function table(): Router {
  const router = new Router("/v1/stream");
  router.add(route("GET", "/healthz", "health"));
  router.add(route("GET", "**", "sse", { when: (r) => r.query.get("live") === "sse" }));
  router.add(route("GET", "**", "read"));
  router.add(route("HEAD", "**", "head"));
  router.add(route("PUT", "__ds/subscriptions/:id", "sub-put"));
  router.add(route("DELETE", "__ds/subscriptions/:id/streams/*path", "sub-unlink"));
  return router;
}

const operationOf = (router: Router, r: HttpRequest) => {
  const match = router.match(r);
  return match.kind === "route" ? match.route.operation : match.kind;
};

describe("Router", () => {
  test("absolute routes match exactly, and a GET route answers HEAD", () => {
    const router = table();
    expect(operationOf(router, request("GET", "/healthz"))).toBe("health");
    expect(operationOf(router, request("HEAD", "/healthz"))).toBe("health");
    expect(operationOf(router, request("GET", "/healthz/x"))).toBe("none");
  });

  test("stream routes take every path under the base, told apart by their predicates", () => {
    const router = table();
    expect(operationOf(router, request("GET", "/v1/stream/a/b", "live=sse"))).toBe("sse");
    expect(operationOf(router, request("GET", "/v1/stream/a/b"))).toBe("read");
    expect(operationOf(router, request("HEAD", "/v1/stream/a"))).toBe("head");
    expect(operationOf(router, request("GET", "/v1/stream"))).toBe("none");
    expect(operationOf(router, request("GET", "/v1/streamx/a"))).toBe("none");
    expect(operationOf(router, request("GET", "/v1/stream/app/__ds"))).toBe("read");
  });

  test("a method the path does not serve reports what it allows", () => {
    const match = table().match(request("PATCH", "/v1/stream/a"));
    expect(match).toEqual({ kind: "method", allowed: ["GET", "HEAD"], reserved: false });
  });

  test("the reserved __ds namespace never reaches stream routes, and binds params", () => {
    const router = table();
    const put = router.match(request("PUT", "/v1/stream/__ds/subscriptions/s1"));
    expect(put.kind === "route" && put.params).toEqual({ id: "s1" });
    const unlink = router.match(request("DELETE", "/v1/stream/__ds/subscriptions/s1/streams/events/a/b"));
    expect(unlink.kind === "route" && unlink.params).toEqual({ id: "s1", path: "events/a/b" });
    expect(router.match(request("GET", "/v1/stream/__ds/subscriptions/s1"))).toEqual({
      kind: "method",
      allowed: ["PUT"],
      reserved: true,
    });
    expect(router.match(request("GET", "/v1/stream/__ds/other")).kind).toBe("none");
    expect(router.match(request("PUT", "/v1/stream/__ds/subscriptions")).kind).toBe("none");
  });

  test("absolute patterns bind params, come before stream paths, and leave exact routes first", () => {
    const router = table();
    router.add(route("GET", "/ui/*file", "ui-file"));
    router.add(route("GET", "/ui", "ui-index"));
    router.add(route("GET", "/v1/stream/*rest", "shadow"));
    expect(operationOf(router, request("GET", "/ui"))).toBe("ui-index");
    const file = router.match(request("GET", "/ui/streams/a/b"));
    expect(file.kind === "route" && [file.route.operation, file.params]).toEqual(["ui-file", { file: "streams/a/b" }]);
    expect(operationOf(router, request("HEAD", "/ui/assets/x.js"))).toBe("ui-file");
    expect(router.match(request("POST", "/ui/x"))).toEqual({
      kind: "method",
      allowed: ["GET", "HEAD"],
      reserved: false,
    });
    expect(operationOf(router, request("GET", "/uix/a"))).toBe("none");
    expect(operationOf(router, request("GET", "/ui/"))).toBe("none");
    expect(operationOf(router, request("GET", "/v1/stream/a"))).toBe("shadow");
  });

  test("base-relative routes outside __ds are refused at registration", () => {
    expect(() => new Router("/v1/stream").add(route("GET", "admin/x", "x"))).toThrow(/__ds/);
  });
});
