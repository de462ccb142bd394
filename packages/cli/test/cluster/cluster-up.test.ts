/**
 * `rivulet cluster up` as a user runs it: wait for the printed URL, append and read through
 * nginx, Ctrl-C, and nothing is left running; and a node that cannot start stops the rest.
 */
import { connect } from "node:net";
import { beforeAll, describe, expect, test } from "vitest";
import { ensureNginx } from "../../../server/test/support/debian-package.js";
import { findNginx } from "../../src/cluster/nginx-process.js";
import { rivulet, startRivulet } from "../support/cli-process.js";

beforeAll(async () => {
  await ensureNginx(findNginx);
});

function accepts(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("rivulet cluster up", () => {
  test("a node that cannot start stops what already started and exits with CLUSTER_START_FAILED", async () => {
    const result = await rivulet(
      ["cluster", "up", "--nodes", "2", "--port", "0", "--pg", "postgres://127.0.0.1:9/none"],
      {
        timeoutMs: 60_000,
      },
    );
    expect(result.code).not.toBe(0);
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/^rivulet: CLUSTER_START_FAILED: node node-1 exited/m);
    expect(result.stdout).toBe("");
  });

  test("--nodes must be a small positive count", async () => {
    const result = await rivulet(["cluster", "up", "--nodes", "0"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/USAGE: .*--nodes.*between 1 and 16/);
  });

  test("starts PostgreSQL, three nodes and nginx; Ctrl-C stops all of it", async () => {
    const running = startRivulet(["cluster", "up", "--nodes", "3", "--port", "0"], { timeoutMs: 120_000 });
    await running.waitForStdout((out) => /listening on (\S+)/.test(out), 90_000);
    const url = /listening on (\S+)/.exec(running.stdout)?.[1] ?? "";
    const nodeUrls = [...running.stderr.matchAll(/node-\d: (\S+)/g)].map((match) => match[1] ?? "");
    const postgresUrl = /postgres: throwaway, (\S+)/.exec(running.stderr)?.[1] ?? "";
    expect(nodeUrls).toHaveLength(3);
    const text = { "content-type": "text/plain" };
    expect((await fetch(`${url}play`, { method: "PUT", headers: text })).status).toBe(201);
    expect((await fetch(`${url}play`, { method: "POST", headers: text, body: "hello" })).status).toBe(204);
    expect(await (await fetch(`${url}play?offset=-1`)).text()).toBe("hello");
    running.child.kill("SIGINT");
    expect((await running.result).code).toBe(0);
    for (const address of [url, ...nodeUrls, postgresUrl.replace("postgres://postgres:rivulet@", "http://")]) {
      expect(await accepts(address)).toBe(false);
    }
  }, 150_000);
});
