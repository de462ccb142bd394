/**
 * Topic administration over HTTP on both stores (docs/kafka-layer.md, "Topics"): create is
 * idempotent by configuration, list pages, describe shows each partition's positions, alter
 * changes retention and grows partitions, delete takes the partitions along (soft-deleted
 * while forks read them). Every error path answers its stable code.
 */
import { afterEach, describe, expect, test } from "vitest";
import { BASE, expectError, type TestApp } from "../handlers/helpers.js";
import {
  createTopic,
  describeTopic,
  jsonHeaders,
  produce,
  STORES,
  TOPICS,
  type TopicDescription,
  topicApp,
} from "./support.js";

const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function app(kind: string, options: Parameters<typeof topicApp>[1] = {}) {
  const t = await topicApp(kind, options);
  apps.push(t);
  return t;
}

const put = (t: TestApp, name: string, body: string) =>
  t.request(`${TOPICS}/${name}`, { method: "PUT", headers: jsonHeaders, body });
const patch = (t: TestApp, name: string, body: unknown) =>
  t.request(`${TOPICS}/${name}`, { method: "PATCH", headers: jsonHeaders, body: JSON.stringify(body) });

for (const kind of Object.keys(STORES)) {
  describe(`topics: ${kind}`, () => {
    test("create makes one plain JSON stream per partition; the same config again is 200", async () => {
      const t = await app(kind);
      const created = await createTopic(t, "orders", { partitions: 3 });
      expect(created).toMatchObject({
        name: "orders",
        config: { partitions: 3, content_type: "application/json", cleanup_policy: "delete", retention_ms: null },
        revision: 1,
      });
      expect(created.partitions.map((p) => p.path)).toEqual([0, 1, 2].map((p) => `${BASE}/topics/orders/${p}`));
      for (const p of created.partitions) {
        expect(p).toMatchObject({ earliest_seq: 0, next_seq: 0, bytes: 0 });
        const head = await t.request(p.path, { method: "HEAD" });
        expect(head.status).toBe(200);
        expect(head.headers.get("content-type")).toBe("application/json");
      }
      // Said in full, the defaults are the same configuration.
      const again = await createTopic(
        t,
        "orders",
        { partitions: 3, cleanup_policy: "delete", retention_ms: null, content_type: "application/json" },
        200,
      );
      expect(again.revision).toBe(1);
      await expectError(await put(t, "orders", '{"partitions":4}'), 409, "TOPIC_EXISTS");
      await expectError(await put(t, "orders", '{"retention_ms":5}'), 409, "TOPIC_EXISTS");
      // An empty body is every default.
      expect((await t.request(`${TOPICS}/plain`, { method: "PUT" })).status).toBe(201);
    });

    test("describe shows positions, seqs and sizes as they are", async () => {
      const t = await app(kind);
      await createTopic(t, "d", { partitions: 2 });
      const result = await produce(t, "d", [
        { partition: 1, value: 1 },
        { partition: 1, value: 2 },
      ]);
      expect(result.status).toBe(200);
      const described = await describeTopic(t, "d");
      expect(described.partitions[0]).toMatchObject({ next_seq: 0, bytes: 0 });
      expect(described.partitions[1]).toMatchObject({ earliest_seq: 0, next_seq: 2 });
      expect(described.partitions[1]!.next_offset).toBe(result.records[1]!.next_offset);
      expect(described.partitions[1]!.bytes).toBeGreaterThan(0);
    });

    test("list pages through topics in name order", async () => {
      const t = await app(kind);
      for (const name of ["c", "a", "b", "e", "d"]) await createTopic(t, name);
      type Page = { topics: Array<{ name: string }>; next: string | null };
      const first = (await (await t.request(`${TOPICS}?limit=2`)).json()) as Page;
      expect(first.topics.map((x: { name: string }) => x.name)).toEqual(["a", "b"]);
      expect(first.next).toBe("b");
      const second = (await (await t.request(`${TOPICS}?limit=2&after=b`)).json()) as Page;
      expect(second.topics.map((x: { name: string }) => x.name)).toEqual(["c", "d"]);
      const last = await (await t.request(`${TOPICS}?limit=2&after=d`)).json();
      expect(last).toMatchObject({ topics: [{ name: "e", config: { partitions: 1 } }], next: null });
      await expectError(await t.request(`${TOPICS}?limit=0`), 400, "BAD_REQUEST");
      await expectError(await t.request(`${TOPICS}?limit=1001`), 400, "BAD_REQUEST");
    });

    test("alter: retention reaches every partition, partitions only grow", async () => {
      const t = await app(kind);
      await createTopic(t, "alt", { partitions: 2 });
      const res = await patch(t, "alt", { retention_ms: 60_000, partitions: 4 });
      expect(res.status).toBe(200);
      const altered = (await res.json()) as TopicDescription;
      expect(altered).toMatchObject({ config: { partitions: 4, retention_ms: 60_000 }, revision: 2 });
      expect(altered.partitions).toHaveLength(4);
      for (const p of altered.partitions) {
        const head = await t.request(p.path, { method: "HEAD" });
        expect(head.headers.get("stream-retention-ms")).toBe("60000");
      }
      // Nothing changes: no new revision.
      expect(((await (await patch(t, "alt", { partitions: 4 })).json()) as TopicDescription).revision).toBe(2);
      await expectError(await patch(t, "alt", { partitions: 3 }), 400, "INVALID_PARTITION_COUNT");
      await expectError(await patch(t, "alt", { retention_ms: -1 }), 400, "INVALID_TOPIC_CONFIG");
      await expectError(await patch(t, "alt", { name: "x" }), 400, "INVALID_TOPIC_CONFIG");
      await expectError(await patch(t, "missing", { partitions: 5 }), 404, "TOPIC_NOT_FOUND");
      // Back to the server default.
      const reset = (await (await patch(t, "alt", { retention_ms: null })).json()) as TopicDescription;
      expect(reset.config.retention_ms).toBeNull();
      expect(
        (await t.request(`${BASE}/topics/alt/0`, { method: "HEAD" })).headers.get("stream-retention-ms"),
      ).toBeNull();
    });

    test("a compacted topic's partitions keep everything, whatever the server's default retention", async () => {
      const t = await app(kind, { retentionMs: 1000, retentionBytes: 10 });
      await createTopic(t, "table", { cleanup_policy: "compact", delete_retention_ms: 5 });
      const head = await t.request(`${BASE}/topics/table/0`, { method: "HEAD" });
      expect(head.headers.get("stream-retention-ms")).toBe(String(Number.MAX_SAFE_INTEGER));
      await expectError(
        await put(t, "t2", '{"cleanup_policy":"compact","retention_ms":5}'),
        400,
        "INVALID_TOPIC_CONFIG",
      );
      // Switching the policy switches the partitions' retention.
      const res = await patch(t, "table", { cleanup_policy: "delete", retention_ms: 7 });
      expect(res.status).toBe(200);
      expect((await t.request(`${BASE}/topics/table/0`, { method: "HEAD" })).headers.get("stream-retention-ms")).toBe(
        "7",
      );
    });

    test("delete takes the partitions along; the name can be used again", async () => {
      const t = await app(kind);
      await createTopic(t, "gone", { partitions: 2 });
      expect((await t.request(`${TOPICS}/gone`, { method: "DELETE" })).status).toBe(204);
      await expectError(await t.request(`${TOPICS}/gone`), 404, "TOPIC_NOT_FOUND");
      await expectError(await t.request(`${BASE}/topics/gone/0`), 404, "STREAM_NOT_FOUND");
      await expectError(await t.request(`${TOPICS}/gone`, { method: "DELETE" }), 404, "TOPIC_NOT_FOUND");
      const again = await createTopic(t, "gone", { partitions: 1 });
      expect(again.revision).toBeGreaterThan(2);
    });

    test("a partition a fork still reads is soft-deleted with its topic, and blocks the name until the fork goes", async () => {
      const t = await app(kind);
      await createTopic(t, "forked");
      await produce(t, "forked", [{ value: "kept" }]);
      const fork = `${BASE}/fork-of-partition`;
      const forked = await t.request(fork, {
        method: "PUT",
        headers: { "content-type": "application/json", "stream-forked-from": `${BASE}/topics/forked/0` },
      });
      expect(forked.status).toBe(201);
      expect((await t.request(`${TOPICS}/forked`, { method: "DELETE" })).status).toBe(204);
      await expectError(await t.request(`${BASE}/topics/forked/0`), 410, "STREAM_GONE");
      const read = await (await t.request(`${fork}?offset=-1`)).json();
      expect(read).toMatchObject([{ value: "kept" }]);
      await expectError(await put(t, "forked", "{}"), 409, "TOPIC_PATH_IN_USE");
      expect((await t.request(fork, { method: "DELETE" })).status).toBe(204);
      await createTopic(t, "forked");
    });

    test("a stream already at a partition path blocks the create", async () => {
      const t = await app(kind);
      await t.create(`${BASE}/topics/taken/1`, "application/json");
      await expectError(await put(t, "taken", '{"partitions":2}'), 409, "TOPIC_PATH_IN_USE");
      await expectError(await t.request(`${TOPICS}/taken`), 404, "TOPIC_NOT_FOUND");
      // Growing into it too.
      await createTopic(t, "grow");
      await t.create(`${BASE}/topics/grow/1`, "application/json");
      await expectError(await patch(t, "grow", { partitions: 2 }), 409, "TOPIC_PATH_IN_USE");
    });

    test("bad names, bad configs and limits", async () => {
      const t = await app(kind, { topics: { maxTopics: 2, maxPartitions: 8 }, maxStreams: 6 });
      await expectError(await put(t, "__changes", "{}"), 400, "INVALID_TOPIC_NAME");
      await expectError(await put(t, "bad name", "{}"), 400, "INVALID_TOPIC_NAME");
      await expectError(await put(t, "x", "{"), 400, "INVALID_JSON");
      await expectError(await put(t, "x", "[]"), 400, "INVALID_TOPIC_CONFIG");
      await expectError(await put(t, "x", '{"partitions":9}'), 400, "INVALID_PARTITION_COUNT");
      await expectError(await put(t, "x", '{"content_type":"text/plain"}'), 400, "INVALID_TOPIC_CONFIG");
      await expectError(await put(t, "big", '{"partitions":7}'), 507, "STREAM_LIMIT_REACHED");
      await createTopic(t, "one");
      await createTopic(t, "two");
      await expectError(await put(t, "three", "{}"), 507, "TOPIC_LIMIT_REACHED");
      await expectError(await t.request(`${TOPICS}/nope`), 404, "TOPIC_NOT_FOUND");
    });

    test("capabilities name topics", async () => {
      const t = await app(kind);
      const caps = await (await t.request(`${BASE}/__ds/capabilities`)).json();
      expect(JSON.stringify(caps)).toContain('"topics":1');
    });
  });
}
