/**
 * A group's offset commit inside a transaction (the `commit` part of POST /__ds/transactions):
 * committed if and only if the items are written, with the commit endpoint's checks, durable
 * across a restart, and never deadlocking with heartbeats and plain commits.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore, MemoryStore, type RivuletServer, type Store, startServer } from "@rivulet/server";
import { afterAll, afterEach, describe, expect, test } from "vitest";

const dirs: string[] = [];
const servers: RivuletServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function start(store: Store): Promise<string> {
  const server = await startServer({ port: 0, store });
  servers.push(server);
  return `${server.url}/v1/stream`;
}

async function call(base: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}/${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: each test reads the answer's fields it checks
  const answer: any = text === "" ? undefined : JSON.parse(text);
  return { status: response.status, body: answer };
}

/** A topic `in` with 3 records on partition 0, a topic `out`, and a member of `g` owning `in`. */
async function setUp(base: string) {
  await call(base, "PUT", "__ds/topics/in", { partitions: 1 });
  await call(base, "PUT", "__ds/topics/out", { partitions: 1 });
  const produced = await call(base, "POST", "__ds/topics/in/records", [{ value: 1 }, { value: 2 }, { value: 3 }]);
  const offsets = produced.body.records.map((r: { next_offset: string }) => r.next_offset) as string[];
  const joined = await call(base, "POST", "__ds/groups/g/heartbeat", { member_epoch: 0, topics: ["in"] });
  return { offsets, memberId: joined.body.member_id as string, epoch: joined.body.member_epoch as number };
}

const committed = async (base: string) =>
  (await call(base, "GET", "__ds/groups/g/offsets?topic=in")).body.offsets[0].committed?.offset ?? null;
const outRecords = async (base: string) => (await call(base, "GET", "topics/out/0?offset=-1")).body;

const stores: Array<[string, () => Promise<Store>]> = [
  ["memory", async () => new MemoryStore()],
  [
    "file",
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "rivulet-tx-commit-"));
      dirs.push(dir);
      return new FileStore({ dir });
    },
  ],
];

describe.each(stores)("a group commit in a transaction, %s store", (_name, makeStore) => {
  test("commits the offsets with the items and answers the part's result", async () => {
    const base = await start(await makeStore());
    const { offsets, memberId, epoch } = await setUp(base);
    const answer = await call(base, "POST", "__ds/transactions", {
      items: [{ path: "topics/out/0", body: [{ key: null, value: "from 1", headers: {}, ts: 1 }] }],
      commit: {
        group: "g",
        member_id: memberId,
        member_epoch: epoch,
        offsets: [{ topic: "in", partition: 0, offset: offsets[0] }],
      },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.commit).toEqual({
      offsets: [{ topic: "in", partition: 0, committed: expect.objectContaining({ offset: offsets[0], seq: 1 }) }],
    });
    expect(await committed(base)).toBe(offsets[0]);
    expect(await outRecords(base)).toHaveLength(1);
  });

  test("a refused commit refuses the transaction naming the part, and writes no item", async () => {
    const base = await start(await makeStore());
    const { offsets, memberId, epoch } = await setUp(base);
    const commit = (offset: string, memberEpoch = epoch) => ({
      group: "g",
      member_id: memberId,
      member_epoch: memberEpoch,
      offsets: [{ topic: "in", partition: 0, offset }],
    });
    await call(base, "POST", "__ds/groups/g/commit", commit(offsets[1]!));
    for (const [part, code] of [
      [commit(offsets[0]!), "OFFSET_REGRESSION"],
      [commit(offsets[2]!, epoch + 5), "FENCED_MEMBER_EPOCH"],
      [{ ...commit(offsets[2]!), member_id: "nobody" }, "UNKNOWN_MEMBER_ID"],
    ] as const) {
      const answer = await call(base, "POST", "__ds/transactions", {
        items: [{ path: "topics/out/0", body: { value: "never" } }],
        commit: part,
      });
      expect(answer.status).toBe(409);
      expect(answer.body.error).toMatchObject({
        code: "TRANSACTION_CONFLICT",
        errors: [expect.objectContaining({ part: "commit", code })],
      });
    }
    expect(await committed(base)).toBe(offsets[1]);
    expect(await outRecords(base)).toEqual([]);
    // A malformed part is answered as the commit endpoint would answer it.
    const malformed = await call(base, "POST", "__ds/transactions", { commit: { group: "g", offsets: "all" } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe("INVALID_GROUP_REQUEST");
    const unknown = await call(base, "POST", "__ds/transactions", { commit: { ...commit(offsets[2]!), extra: 1 } });
    expect(unknown.status).toBe(400);
  });

  test("transactions, plain commits and heartbeats at once all settle, each commit applied once", async () => {
    const base = await start(await makeStore());
    const { offsets, memberId, epoch } = await setUp(base);
    const work = Array.from({ length: 12 }, (_, i) => {
      if (i % 4 === 2) {
        return call(base, "POST", "__ds/groups/g/heartbeat", {
          member_id: memberId,
          member_epoch: epoch,
          owned: { in: [0] },
        });
      }
      if (i % 4 === 3) {
        return call(base, "POST", "__ds/groups/g/commit", {
          member_id: memberId,
          member_epoch: epoch,
          offsets: [{ topic: "in", partition: 0, offset: offsets[2] }],
        });
      }
      return call(base, "POST", "__ds/transactions", {
        items: [{ path: "topics/out/0", body: { value: i } }],
        commit: {
          group: "g",
          member_id: memberId,
          member_epoch: epoch,
          offsets: [{ topic: "in", partition: 0, offset: offsets[2] }],
        },
      });
    });
    const answers = await Promise.all(work);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(await outRecords(base)).toHaveLength(6);
    expect(await committed(base)).toBe(offsets[2]);
  });
});

test("a transaction's commit survives a restart of the file store", async () => {
  const dir = await mkdtemp(join(tmpdir(), "rivulet-tx-commit-restart-"));
  dirs.push(dir);
  let base = await start(new FileStore({ dir }));
  const { offsets, memberId, epoch } = await setUp(base);
  const answer = await call(base, "POST", "__ds/transactions", {
    items: [{ path: "topics/out/0", body: { value: "x" } }],
    commit: {
      group: "g",
      member_id: memberId,
      member_epoch: epoch,
      offsets: [{ topic: "in", partition: 0, offset: offsets[1] }],
    },
  });
  expect(answer.status).toBe(200);
  await servers.pop()!.close();
  base = await start(new FileStore({ dir }));
  expect(await committed(base)).toBe(offsets[1]);
  expect(await outRecords(base)).toHaveLength(1);
});
