/** The PostgreSQL store refuses a record decided for an earlier stream at the same path (record-identity.ts). */
import { afterAll, beforeAll, expect, test } from "vitest";
import { StoreConflictError } from "../../../src/store/errors.js";
import { PostgresStore } from "../../../src/store/postgres/index.js";
import type { AppendRecord, StreamMeta } from "../../../src/store/types.js";
import { startPostgres, type TestPostgres } from "../../support/postgres.js";

let postgres: TestPostgres;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(() => postgres?.stop());

const meta = (createdAt: number): StreamMeta => ({
  path: "/v1/stream/again",
  contentType: "text/plain",
  lifetime: {},
  createdAt,
  retention: {},
});
const record = (position: number, text: string, createdAt: number): AppendRecord => ({
  position,
  data: new TextEncoder().encode(text),
  producer: undefined,
  streamSeq: undefined,
  close: false,
  ts: Date.now(),
  messages: 1,
  createdAt,
});

test("a record for a deleted and re-created stream is a conflict even at the stored tail", async () => {
  const url = await postgres.database();
  const [a, b] = [new PostgresStore({ url }), new PostgresStore({ url })];
  await a.open();
  await b.open();
  try {
    await a.create(meta(1000), record(0, "a", 1000));
    await a.remove("/v1/stream/again");
    await a.create(meta(2000), record(0, "z", 2000));
    await expect(b.append("/v1/stream/again", record(1, "b", 1000))).rejects.toBeInstanceOf(StoreConflictError);
    await b.append("/v1/stream/again", record(1, "b", 2000));
    expect(new TextDecoder().decode(await b.read("/v1/stream/again", 0, 2))).toBe("zb");
  } finally {
    await a.close();
    await b.close();
  }
});
