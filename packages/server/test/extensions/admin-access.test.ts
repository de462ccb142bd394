/**
 * Retention settings and trims are admin operations on the stream they name: `admin` scoped to
 * a subtree manages that subtree only; read and write scopes manage nothing.
 */
import { describe, expect, test } from "vitest";
import { BASE, expectError, startApp } from "../handlers/helpers.js";

const TOKENS = [
  { token: "writer-token-0123456789", scopes: ["write", "read"], id: "w" },
  { token: "team-admin-0123456789", scopes: ["admin:/v1/stream/team/**", "write:/v1/stream/team/**"], id: "a" },
];

describe("retention admin access", () => {
  test("only admin scope on the stream's path may change settings or trim", async () => {
    const app = await startApp({ auth: { tokens: TOKENS } });
    const as = (token: string) => ({ authorization: `Bearer ${token}` });
    const patch = (stream: string, token: string) =>
      app.request(`${BASE}/__ds/streams/${stream}`, {
        method: "PATCH",
        headers: { ...as(token), "content-type": "application/merge-patch+json" },
        body: '{"retention_ms":1000}',
      });
    const trim = (stream: string, token: string) =>
      app.request(`${BASE}/__ds/trim/${stream}`, { method: "POST", headers: as(token), body: '{"offset":"now"}' });
    try {
      for (const stream of ["team/a", "other"]) {
        const res = await app.request(`${BASE}/${stream}`, { method: "PUT", headers: as(TOKENS[0]!.token) });
        expect(res.status).toBe(201);
      }
      await expectError(await patch("team/a", TOKENS[0]!.token), 403, "FORBIDDEN");
      await expectError(await trim("team/a", TOKENS[0]!.token), 403, "FORBIDDEN");
      expect((await patch("team/a", TOKENS[1]!.token)).status).toBe(200);
      expect((await trim("team/a", TOKENS[1]!.token)).status).toBe(200);
      await expectError(await patch("other", TOKENS[1]!.token), 403, "FORBIDDEN");
      await expectError(await trim("other", TOKENS[1]!.token), 403, "FORBIDDEN");
      await expectError(await app.request(`${BASE}/__ds/trim/other`, { method: "POST" }), 401, "UNAUTHORIZED");
    } finally {
      await app.close();
    }
  });
});
