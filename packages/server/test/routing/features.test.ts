/**
 * A feature is a folder that registers itself: routes under `{base}/__ds/…` with the same
 * admission (auth scopes, limits, CORS), lifecycle hooks and readiness checks as built-ins.
 */
import { type Feature, serviceKey, TOPIC_DIRECTORY } from "@rivulet/server";
import { describe, expect, test } from "vitest";
import { BASE, expectError, startApp } from "../handlers/helpers.js";

function echoFeature(events: string[], ready: { value: boolean }): Feature {
  return {
    name: "echo",
    setup(host) {
      host.route({
        method: "POST",
        path: "__ds/echo/:name",
        operation: "echo",
        access: "write",
        handle: async (request, _context, params) => ({
          status: 200,
          headers: { "content-type": "text/plain" },
          body: [new TextEncoder().encode(`${params.name}:${new TextDecoder().decode(await request.readBody(100))}`)],
        }),
      });
      host.onOpen(() => {
        events.push("open");
      });
      host.onDrain(() => {
        events.push("drain");
      });
      host.onClose(() => {
        events.push("close");
      });
      host.readiness(() => (ready.value ? { ready: true } : { ready: false, status: "echo", detail: "not yet" }));
    },
  };
}

describe("features", () => {
  test("mount routes, start and stop with the app, and take part in readiness", async () => {
    const events: string[] = [];
    const ready = { value: false };
    const t = await startApp({ features: [echoFeature(events, ready)] });
    try {
      expect(events).toEqual(["open"]);
      const res = await t.request(`${BASE}/__ds/echo/abc`, {
        method: "POST",
        body: "hi",
        headers: { origin: "https://a.test" },
      });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("abc:hi");
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      await expectError(await t.request(`${BASE}/__ds/echo/abc`), 404, "STREAM_NOT_FOUND");
      const notReady = await t.request("/readyz");
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ status: "echo", detail: "not yet" });
      ready.value = true;
      expect((await t.request("/readyz")).status).toBe(200);
    } finally {
      await t.app.drain(100);
      await t.close();
    }
    expect(events).toEqual(["open", "drain", "close"]);
  });

  test("feature routes pass access control like stream routes", async () => {
    const t = await startApp({
      auth: { tokens: [{ token: "r".repeat(32), id: "reader", scopes: ["read"] }] },
      features: [echoFeature([], { value: true })],
    });
    try {
      await expectError(await t.request(`${BASE}/__ds/echo/x`, { method: "POST", body: "" }), 401, "UNAUTHORIZED");
      const forbidden = await t.request(`${BASE}/__ds/echo/x`, {
        method: "POST",
        body: "",
        headers: { authorization: `Bearer ${"r".repeat(32)}` },
      });
      await expectError(forbidden, 403, "FORBIDDEN");
    } finally {
      await t.close();
    }
  });

  test("access that depends on the body: demands come as a promise, only once the credential is valid", async () => {
    let asked = 0;
    const bodyAccess: Feature = {
      name: "body-access",
      setup(host) {
        host.route({
          method: "POST",
          path: "__ds/body-access",
          operation: "body-access",
          // The streams the request acts on are named in its body.
          access: async (request) => {
            asked++;
            const paths = new TextDecoder().decode(await request.readBody(100)).split(",");
            return paths.map((path) => ({ scope: "write" as const, path: `${BASE}/${path}` }));
          },
          handle: async (request) => ({
            status: 200,
            headers: { "content-type": "text/plain" },
            body: [await request.readBody(100)],
          }),
        });
      },
    };
    const t = await startApp({
      auth: { tokens: [{ token: "w".repeat(32), id: "writer", scopes: [`write:${BASE}/a/**`] }] },
      features: [bodyAccess],
    });
    const post = (body: string, token?: string) =>
      t.request(`${BASE}/__ds/body-access`, {
        method: "POST",
        body,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
    try {
      await expectError(await post("a/1"), 401, "UNAUTHORIZED");
      expect(asked).toBe(0);
      await expectError(await post("a/1,b/2", "w".repeat(32)), 403, "FORBIDDEN");
      const allowed = await post("a/1,a/2", "w".repeat(32));
      expect(allowed.status).toBe(200);
      // The handler reads the same body the access check read.
      expect(await allowed.text()).toBe("a/1,a/2");
      expect(asked).toBe(2);
    } finally {
      await t.close();
    }
  });
});

describe("features offer each other values", () => {
  const key = serviceKey<{ greet(): string }>("greeter");

  test("one feature provides, another finds it once every feature is set up; a key is offered once", async () => {
    const found: string[] = [];
    const user: Feature = {
      name: "user",
      setup(host) {
        // Set up before the provider: it looks up only when the app opens.
        expect(host.lookup(key)).toBeUndefined();
        host.onOpen(() => {
          found.push(host.lookup(key)?.greet() ?? "none");
        });
      },
    };
    const provider: Feature = {
      name: "provider",
      setup(host) {
        host.provide(key, { greet: () => "hello" });
      },
    };
    const t = await startApp({ features: [user, provider] });
    await t.close();
    expect(found).toEqual(["hello"]);
    await expect(startApp({ features: [provider, { ...provider, name: "again" }] })).rejects.toThrow(
      "again: greeter is already offered",
    );
  });

  test("an embedder's feature replaces what a built-in feature offers", async () => {
    const replacement = { partitions: () => 7, partitionPath: () => "/x", onChange: () => () => {} };
    const found: Array<number | undefined> = [];
    const t = await startApp({
      features: [
        {
          name: "own-topics",
          setup(host) {
            host.provide(TOPIC_DIRECTORY, replacement);
            host.onOpen(() => {
              found.push(host.lookup(TOPIC_DIRECTORY)?.partitions("any"));
            });
          },
        },
      ],
    });
    await t.close();
    expect(found).toEqual([7]);
  });
});
