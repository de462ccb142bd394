/**
 * `rivulet serve`'s topic settings as a user gives them: the config file's `topics` object
 * (where partitions live, limits, compaction); bad values are usage errors before anything
 * starts.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { spawnServer } from "../../server/test/support/spawn-server.js";
import { errorLine, rivulet } from "./support/cli-process.js";

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function configFile(config: object): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "rivulet-serve-topics-"));
  dirs.push(dir);
  const file = join(dir, "rivulet.json");
  await writeFile(file, JSON.stringify(config));
  return file;
}

describe("rivulet serve: topic settings", () => {
  test("the config file's topics object applies", async () => {
    const file = await configFile({ topics: { pathPrefix: "kafka", maxPartitions: 4 } });
    const server = await spawnServer(["--store", "memory", "--config", file]);
    try {
      const put = (body: object) =>
        fetch(`${server.url}/v1/stream/__ds/topics/orders`, {
          method: "PUT",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      expect((await put({ partitions: 5 })).status).toBe(400);
      const created = await put({ partitions: 4 });
      expect(created.status).toBe(201);
      const body = (await created.json()) as { partitions: Array<{ path: string }> };
      expect(body.partitions[3]!.path).toBe("/v1/stream/kafka/orders/3");
    } finally {
      server.child.kill("SIGKILL");
      await server.exited;
    }
  });

  test("bad values are refused before the server starts", async () => {
    const file = await configFile({ topics: { compaction: { minDirtyRatio: 2 } } });
    const bad = await rivulet(["serve", "--store", "memory", "--port", "0", "--config", file]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(errorLine("USAGE"));
    expect(bad.stderr).toContain("topics.compaction.minDirtyRatio must be from 0 to 1");
  });
});
