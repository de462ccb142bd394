/**
 * `rivulet serve`'s consumer group settings as a user gives them: the config file's `groups`
 * object (timeouts, limits, and the topics of a server without a topics feature); bad values
 * are usage errors before anything starts.
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
  const dir = await mkdtemp(join(tmpdir(), "rivulet-serve-groups-"));
  dirs.push(dir);
  const file = join(dir, "rivulet.json");
  await writeFile(file, JSON.stringify(config));
  return file;
}

describe("rivulet serve: group settings", () => {
  test("the config file's groups object applies", async () => {
    const file = await configFile({
      groups: { sessionTimeoutMs: 9000, heartbeatIntervalMs: 900, maxWaitMs: 1000, topics: { orders: 3 } },
    });
    const server = await spawnServer(["--store", "memory", "--config", file]);
    try {
      const res = await fetch(`${server.url}/v1/stream/__ds/groups/g/heartbeat`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ member_epoch: 0, topics: ["orders"] }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        session_timeout_ms: number;
        heartbeat_interval_ms: number;
        assignment: { orders: unknown[] };
      };
      expect(body.session_timeout_ms).toBe(9000);
      expect(body.heartbeat_interval_ms).toBe(900);
      expect(body.assignment.orders).toHaveLength(3);
    } finally {
      server.child.kill("SIGKILL");
      await server.exited;
    }
  });

  test("bad values are refused before the server starts", async () => {
    const file = await configFile({ groups: { sessionTimeoutMs: 1000, heartbeatIntervalMs: 5000 } });
    const bad = await rivulet(["serve", "--store", "memory", "--port", "0", "--config", file]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(errorLine("USAGE"));
    expect(bad.stderr).toContain("groups.heartbeatIntervalMs must be less than sessionTimeoutMs");
  });
});
