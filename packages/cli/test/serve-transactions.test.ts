/**
 * `rivulet serve`'s transaction limits as a user gives them: the config file's `transactions`
 * object; bad values are usage errors before anything starts.
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
  const dir = await mkdtemp(join(tmpdir(), "rivulet-serve-tx-"));
  dirs.push(dir);
  const file = join(dir, "rivulet.json");
  await writeFile(file, JSON.stringify(config));
  return file;
}

describe("rivulet serve: transaction settings", () => {
  test("the config file's transactions.maxItems applies", async () => {
    const server = await spawnServer([
      "--store",
      "memory",
      "--config",
      await configFile({ transactions: { maxItems: 1 } }),
    ]);
    try {
      for (const name of ["a", "b"]) {
        const created = await fetch(`${server.url}/v1/stream/${name}`, {
          method: "PUT",
          headers: { "content-type": "application/json" },
        });
        expect(created.status).toBe(201);
      }
      const send = (items: object[]) =>
        fetch(`${server.url}/v1/stream/__ds/transactions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ items }),
        });
      expect((await send([{ path: "a", body: 1 }])).status).toBe(200);
      const two = await send([
        { path: "a", body: 2 },
        { path: "b", body: 2 },
      ]);
      expect(two.status).toBe(413);
      expect(((await two.json()) as { error: { code: string } }).error.code).toBe("TOO_MANY_TRANSACTION_ITEMS");
    } finally {
      server.child.kill("SIGKILL");
      await server.exited;
    }
  });

  test("bad values are refused before the server starts", async () => {
    for (const [transactions, message] of [
      [{ maxItems: 0 }, "transactions.maxItems must be a positive integer"],
      [{ maxItem: 5 }, "transactions: unknown setting maxItem"],
    ] as const) {
      const file = await configFile({ transactions });
      const result = await rivulet(["serve", "--store", "memory", "--port", "0", "--config", file]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(errorLine("USAGE"));
      expect(result.stderr).toContain(message);
    }
  });
});
