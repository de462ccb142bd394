/**
 * The PostgreSQL store fences feature state in cluster mode: a write to an internal stream
 * commits only while the writer's lease names it at its epoch; plain streams are never fenced.
 */
import { ProtocolError } from "@rivulet/protocol";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { FenceToken } from "../../src/cluster/leases/fence.js";
import { acquireOrRenew } from "../../src/cluster/leases/lease-store.js";
import { PostgresStore } from "../../src/store/postgres/index.js";
import type { AppendRecord, StreamMeta } from "../../src/store/types.js";
import { startPostgres, type TestPostgres, testPool } from "../support/postgres.js";

const INTERNAL = "/v1/stream/__ds/";
let postgres: TestPostgres;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(() => postgres?.stop());

const meta = (path: string): StreamMeta => ({
  path,
  contentType: "application/octet-stream",
  lifetime: {},
  createdAt: Date.now(),
  retention: {},
});
const record = (position: number, text: string): AppendRecord => ({
  position,
  data: new TextEncoder().encode(text),
  producer: undefined,
  streamSeq: undefined,
  close: false,
  ts: Date.now(),
  messages: 1,
});

describe("PostgreSQL store fencing", () => {
  test("internal writes need the current lease; a stale epoch is refused and writes nothing", async () => {
    const url = await postgres.database();
    const store = new PostgresStore({ url });
    await store.open();
    const pool = testPool(url, 2);
    try {
      let token: FenceToken | undefined;
      store.fenceInternalWrites({ current: () => token }, INTERNAL);
      const state = `${INTERNAL}groups/state`;
      const plain = "/v1/stream/plain";

      // No lease held: feature state cannot be created, plain streams can.
      await expect(store.create(meta(state), undefined)).rejects.toThrow(ProtocolError);
      expect(await store.lookup(state)).toBeUndefined();
      await store.create(meta(plain), record(0, "a"));

      const first = await acquireOrRenew(pool, "leader", "node-a", undefined, 5_000);
      token = { lease: "leader", holder: "node-a", epoch: first!.epoch };
      await store.create(meta(state), record(0, "one;"));
      await store.append(state, record(4, "two;"));

      // The lease lapses and another node takes it: node-a's next state write is refused.
      await pool.query("UPDATE rivulet_leases SET expires_at = now() WHERE name = 'leader'");
      const second = await acquireOrRenew(pool, "leader", "node-b", undefined, 5_000);
      expect(second!.epoch).toBeGreaterThan(first!.epoch);
      const refused = await store.append(state, record(8, "stale;")).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(ProtocolError);
      expect((refused as ProtocolError).code).toBe("UNAVAILABLE");
      expect((await store.lookup(state))!.tail).toBe(8);
      await store.append(plain, record(1, "b"));

      token = { lease: "leader", holder: "node-b", epoch: second!.epoch };
      await store.append(state, record(8, "three;"));
      expect(new TextDecoder().decode(await store.read(state, 0, 14))).toBe("one;two;three;");
    } finally {
      await pool.end();
      await store.close();
    }
  });
});
