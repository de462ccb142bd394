/**
 * Topics and access control (docs/kafka-layer.md, "Access"): admin calls need `admin` on the
 * topic's path `{base}/topics/<name>`, describe `read`, produce `write`, the listing `admin`
 * on `{base}/__ds/topics`; partitions are plain streams with their own path rules. Metrics
 * count topics, partitions, produced records and compaction.
 */
import { afterEach, describe, expect, test } from "vitest";
import { BASE, expectError, type TestApp } from "../handlers/helpers.js";
import { jsonHeaders, TOPICS, topicApp } from "./support.js";

const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

const tokens = [
  { token: "admin-token-0123456789", scopes: ["admin", "read", "write"], id: "admin" },
  {
    token: "owner-token-0123456789",
    scopes: [`admin:${BASE}/topics/orders`, `read:${BASE}/topics/orders`, `write:${BASE}/topics/orders`],
    id: "owner",
  },
  {
    token: "producer-token-0123456789",
    scopes: [`write:${BASE}/topics/orders`, `write:${BASE}/topics/orders/**`, `read:${BASE}/topics/orders/**`],
    id: "producer",
  },
  { token: "reader-token-0123456789", scopes: [`read:${BASE}/topics/**`], id: "reader" },
];
const as = (id: string) => ({ authorization: `Bearer ${tokens.find((t) => t.id === id)!.token}` });

describe("access control", () => {
  test("each call needs its scope on the topic's path", async () => {
    const t = await topicApp("memory", { auth: { tokens } });
    apps.push(t);
    const call = (id: string, path: string, method: string, body?: string) =>
      t.request(path, { method, headers: { ...jsonHeaders, ...as(id) }, ...(body === undefined ? {} : { body }) });

    await expectError(await t.request(`${TOPICS}/orders`, { method: "PUT" }), 401, "UNAUTHORIZED");
    await expectError(await call("producer", `${TOPICS}/orders`, "PUT", "{}"), 403, "FORBIDDEN");
    expect((await call("owner", `${TOPICS}/orders`, "PUT", '{"partitions":2}')).status).toBe(201);
    await expectError(await call("owner", `${TOPICS}/other`, "PUT", "{}"), 403, "FORBIDDEN");
    // Produce: write on the topic's path; the partitions' own paths for direct appends and reads.
    expect((await call("producer", `${TOPICS}/orders/records`, "POST", '[{"key":"a","value":1}]')).status).toBe(200);
    await expectError(await call("reader", `${TOPICS}/orders/records`, "POST", "[{}]"), 403, "FORBIDDEN");
    expect((await call("producer", `${BASE}/topics/orders/0?offset=-1`, "GET")).status).toBe(200);
    // Describe: read on the topic's path (`/topics/**` covers it).
    expect((await call("reader", `${TOPICS}/orders`, "GET")).status).toBe(200);
    await expectError(await call("producer", `${TOPICS}/orders`, "GET"), 403, "FORBIDDEN");
    // Alter and delete: admin.
    await expectError(await call("reader", `${TOPICS}/orders`, "PATCH", '{"partitions":3}'), 403, "FORBIDDEN");
    expect((await call("owner", `${TOPICS}/orders`, "PATCH", '{"partitions":3}')).status).toBe(200);
    // The listing: admin on the listing path.
    await expectError(await call("owner", TOPICS, "GET"), 403, "FORBIDDEN");
    expect((await call("admin", TOPICS, "GET")).status).toBe(200);
    await expectError(await call("reader", `${TOPICS}/orders`, "DELETE"), 403, "FORBIDDEN");
    expect((await call("owner", `${TOPICS}/orders`, "DELETE")).status).toBe(204);
  });
});

describe("metrics", () => {
  test("topics, partitions, produced records and bytes, compaction runs and reclaimed bytes", async () => {
    const t = await topicApp("memory", {
      metrics: true,
      topics: { compaction: { intervalMs: 10, minDirtyRatio: 0 } },
    });
    apps.push(t);
    await t.request(`${TOPICS}/m`, { method: "PUT", headers: jsonHeaders, body: '{"partitions":3}' });
    await t.request(`${TOPICS}/c`, { method: "PUT", headers: jsonHeaders, body: '{"cleanup_policy":"compact"}' });
    const records = Array.from({ length: 300 }, (_, i) => ({ key: `k${i % 5}`, value: "x".repeat(300) }));
    for (const name of ["m", "c"]) {
      const res = await t.request(`${TOPICS}/${name}/records`, {
        method: "POST",
        headers: jsonHeaders,
        body: JSON.stringify(records),
      });
      expect(res.status).toBe(200);
    }
    const metric = async (name: string) => {
      const text = await (await t.request("/metrics")).text();
      const line = text.split("\n").find((l) => l.startsWith(`${name} `));
      return line === undefined ? undefined : Number(line.split(" ")[1]);
    };
    expect(await metric("rivulet_topics")).toBe(2);
    expect(await metric("rivulet_topic_partitions")).toBe(4);
    expect(await metric("rivulet_produced_records_total")).toBe(600);
    expect(await metric("rivulet_produced_bytes_total")).toBeGreaterThan(600 * 300);
    const deadline = Date.now() + 10_000;
    while ((await metric("rivulet_compaction_reclaimed_bytes_total")) === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await metric("rivulet_compaction_reclaimed_bytes_total")).toBeGreaterThan(0);
    expect(await metric("rivulet_compaction_units_total")).toBeGreaterThan(0);
    expect(await metric("rivulet_compaction_runs_total")).toBeGreaterThan(0);
  });
});
