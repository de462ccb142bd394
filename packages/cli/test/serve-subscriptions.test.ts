/**
 * `rivulet serve`'s subscription settings as a user gives them: --webhook-allow (and
 * RIVULET_WEBHOOK_ALLOW, and `webhookAllow` in the config file), --public-url, and the config
 * file's `subscriptions` object; bad values are usage errors before anything starts.
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
  const dir = await mkdtemp(join(tmpdir(), "rivulet-serve-subs-"));
  dirs.push(dir);
  const file = join(dir, "rivulet.json");
  await writeFile(file, JSON.stringify(config));
  return file;
}

const localHook = (id: string) => ({
  method: "PUT",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ type: "webhook", pattern: `${id}/*`, webhook: { url: "http://127.0.0.1:9/hook" } }),
});

async function withServer<T>(
  args: string[],
  run: (url: string) => Promise<T>,
  env?: Record<string, string>,
): Promise<T> {
  const server = await spawnServer(["--store", "memory", ...args], env);
  try {
    return await run(server.url);
  } finally {
    server.child.kill("SIGKILL");
    await server.exited;
  }
}

describe("rivulet serve: subscription settings", () => {
  test("without --webhook-allow a local webhook target is refused; with it, accepted; --public-url names the JWKS", async () => {
    await withServer([], async (url) => {
      const res = await fetch(`${url}/v1/stream/__ds/subscriptions/a`, localHook("a"));
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("WEBHOOK_URL_REJECTED");
    });
    await withServer(
      ["--webhook-allow", "localhost, 127.0.0.1", "--public-url", "https://streams.example.com"],
      async (url) => {
        const res = await fetch(`${url}/v1/stream/__ds/subscriptions/a`, localHook("a"));
        expect(res.status).toBe(201);
        const view = (await res.json()) as { webhook: { signing: { jwks_url: string } } };
        expect(view.webhook.signing.jwks_url).toBe("https://streams.example.com/v1/stream/__ds/jwks.json");
      },
    );
  });

  test("RIVULET_WEBHOOK_ALLOW and the config file's webhookAllow and subscriptions apply", async () => {
    await withServer(
      [],
      async (url) => {
        expect((await fetch(`${url}/v1/stream/__ds/subscriptions/a`, localHook("a"))).status).toBe(201);
      },
      { RIVULET_WEBHOOK_ALLOW: "127.0.0.0/8" },
    );
    const file = await configFile({ webhookAllow: ["127.0.0.1"], subscriptions: { maxSubscriptions: 1 } });
    await withServer(["--config", file], async (url) => {
      expect((await fetch(`${url}/v1/stream/__ds/subscriptions/a`, localHook("a"))).status).toBe(201);
      const second = await fetch(`${url}/v1/stream/__ds/subscriptions/b`, localHook("b"));
      expect(second.status).toBe(507);
      expect(((await second.json()) as { error: { code: string } }).error.code).toBe("SUBSCRIPTION_LIMIT_REACHED");
    });
  });

  test("bad values are refused before the server starts", async () => {
    const badAllow = await rivulet(["serve", "--store", "memory", "--port", "0", "--webhook-allow", "not a host"]);
    expect(badAllow.code).not.toBe(0);
    expect(badAllow.stderr).toContain("--webhook-allow");
    expect(badAllow.stderr).toContain("is not a host name, an IP address or a CIDR range");
    const badUrl = await rivulet(["serve", "--store", "memory", "--port", "0", "--public-url", "ftp://x"]);
    expect(badUrl.code).not.toBe(0);
    expect(badUrl.stderr).toContain("publicUrl must be an http(s) URL");
    const file = await configFile({ subscriptions: { retryBaseMs: -1 } });
    const badConfig = await rivulet(["serve", "--store", "memory", "--port", "0", "--config", file]);
    expect(badConfig.code).toBe(1);
    expect(badConfig.stderr).toMatch(errorLine("USAGE"));
    expect(badConfig.stderr).toContain("subscriptions.retryBaseMs must be an integer of at least 1");
  });
});
