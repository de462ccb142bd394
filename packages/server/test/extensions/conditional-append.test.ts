/**
 * Conditional appends (docs/extensions.md): Stream-Expected-Offset / Stream-Expected-Seq. On
 * a different tail nothing is written and the answer is 412 TAIL_MISMATCH with the current
 * tail; of many racing appends with the same expectation exactly one wins. On both stores,
 * over real HTTP connections for the races.
 */
import { formatOffset } from "@rivulet/protocol";
import { type RivuletServer, startServer } from "@rivulet/server";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { expectError, type TestApp, text } from "../handlers/helpers.js";
import { appOn, json, STORES } from "./stores.js";

for (const kind of STORES) {
  describe(`conditional appends (${kind.name} store)`, () => {
    let app: TestApp;
    beforeEach(async () => {
      app = await appOn(kind);
    });
    afterEach(() => app.close());

    const post = (path: string, body: string, headers: Record<string, string>) =>
      app.request(path, { method: "POST", headers: { ...json, ...headers }, body });

    test("a matching expectation writes; any other answers 412 with the tail and writes nothing", async () => {
      const path = app.path();
      await app.create(path, "application/json", "[1]");
      const tail = formatOffset(3);
      expect((await post(path, "[2]", { "stream-expected-offset": tail })).status).toBe(204);
      const stale = await post(path, "[3]", { "stream-expected-offset": tail });
      await expectError(stale, 412, "TAIL_MISMATCH");
      expect(stale.headers.get("stream-next-offset")).toBe(formatOffset(6));
      expect(stale.headers.get("stream-next-seq")).toBe("2");
      await expectError(await post(path, "[3]", { "stream-expected-seq": "1" }), 412, "TAIL_MISMATCH");
      expect((await post(path, "[3]", { "stream-expected-seq": "2" })).status).toBe(204);
      expect(await (await app.request(`${path}?offset=-1`)).json()).toEqual([1, 2, 3]);
    });

    test("a malformed expectation is a bad request and writes nothing", async () => {
      const path = app.path();
      await app.create(path, "application/json");
      await expectError(await post(path, "[1]", { "stream-expected-offset": "3" }), 400, "INVALID_OFFSET");
      await expectError(await post(path, "[1]", { "stream-expected-seq": "-1" }), 400, "INVALID_EXPECTED_SEQ");
      expect(await text(await app.request(`${path}?offset=-1`))).toBe("[]");
    });

    test("a closed stream answers STREAM_CLOSED first; an idempotent producer's retry is a duplicate", async () => {
      const path = app.path();
      await app.create(path, "application/json");
      const producer = { "producer-id": "p", "producer-epoch": "0", "producer-seq": "0" };
      const first = await post(path, "[1]", { ...producer, "stream-expected-seq": "0" });
      expect(first.status).toBe(200);
      // The retry's expectation no longer holds, but it is the same write: deduplicated.
      expect((await post(path, "[1]", { ...producer, "stream-expected-seq": "0" })).status).toBe(204);
      expect((await app.request(path, { method: "POST", headers: { "stream-closed": "true" } })).status).toBe(204);
      await expectError(await post(path, "[2]", { "stream-expected-seq": "1" }), 409, "STREAM_CLOSED");
    });
  });

  describe(`conditional appends racing from many clients (${kind.name} store)`, () => {
    let server: RivuletServer;
    beforeEach(async () => {
      server = await startServer({ port: 0, store: (await kind.make()).store });
    });
    afterEach(async () => {
      await server.close({ graceMs: 100 });
    });

    test("exactly one of many appends with the same expected tail wins, round after round", async () => {
      const url = `${server.url}/v1/stream/race`;
      expect((await fetch(url, { method: "PUT", headers: json })).status).toBe(201);
      const clients = 40;
      let tail = 0;
      for (let round = 0; round < 5; round++) {
        const header =
          round % 2 === 0 ? { "stream-expected-offset": formatOffset(tail) } : { "stream-expected-seq": String(round) };
        const answers = await Promise.all(
          Array.from({ length: clients }, (_, client) =>
            fetch(url, { method: "POST", headers: { ...json, ...header }, body: JSON.stringify({ round, client }) }),
          ),
        );
        const statuses = answers.map((a) => a.status);
        expect(statuses.filter((s) => s === 204)).toHaveLength(1);
        expect(statuses.filter((s) => s === 412)).toHaveLength(clients - 1);
        const winner = answers.find((a) => a.status === 204)!;
        const next = winner.headers.get("stream-next-offset")!;
        for (const loser of answers.filter((a) => a.status === 412)) {
          expect(loser.headers.get("stream-next-offset")).toBe(next);
          await loser.body?.cancel();
        }
        tail = Number(next.split("_")[1]);
      }
      const all = (await (await fetch(`${url}?offset=-1`)).json()) as Array<{ round: number }>;
      expect(all.map((m) => m.round)).toEqual([0, 1, 2, 3, 4]);
    });
  });
}
