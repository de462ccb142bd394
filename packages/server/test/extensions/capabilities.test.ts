/**
 * `GET {base}/__ds/capabilities` (docs/extensions.md): every extension the server supports,
 * with its version; features declare theirs; with access control on, any valid credential may
 * ask, and nothing else can.
 */
import type { Feature } from "@rivulet/server";
import { describe, expect, test } from "vitest";
import { BASE, expectError, startApp } from "../handlers/helpers.js";

const subscriptionsLike: Feature = {
  name: "example",
  setup(host) {
    host.capability("example-extension", 2);
  },
};

describe("capabilities", () => {
  test("name every extension and its version, those of added features included", async () => {
    const app = await startApp({ features: [subscriptionsLike] });
    try {
      const res = await app.request(`${BASE}/__ds/capabilities`);
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(await res.json()).toEqual({
        extensions: {
          "append-metadata": 1,
          "conditional-append": 1,
          "earliest-offset": 1,
          "example-extension": 2,
          groups: 1,
          records: 1,
          retention: 1,
          "time-index": 1,
          topics: 1,
          transactions: 1,
          trim: 1,
        },
      });
    } finally {
      await app.close();
    }
  });

  test("a feature declaring an extension twice with different versions fails at start", async () => {
    const clash: Feature = { name: "clash", setup: (host) => host.capability("records", 2) };
    await expect(startApp({ features: [clash] })).rejects.toThrow(/records declared twice/);
  });

  test("with access control, any valid credential may ask; no credential cannot", async () => {
    const app = await startApp({
      auth: { tokens: [{ token: "reader-token-0123456789", scopes: ["read:/v1/stream/a/**"], id: "r" }] },
    });
    try {
      const anonymous = await app.request(`${BASE}/__ds/capabilities`);
      await expectError(anonymous, 401, "UNAUTHORIZED");
      const reader = await app.request(`${BASE}/__ds/capabilities`, {
        headers: { authorization: "Bearer reader-token-0123456789" },
      });
      expect(reader.status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
