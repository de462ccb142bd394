/**
 * One webhook request against real local endpoints: the DNS check at delivery (§12.8: a name
 * that resolves to a loopback address is refused unless allowed, and the connection goes to
 * the checked address), timeouts, redirects not followed, `done` detection; and the
 * dispatcher's concurrency limits.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Dispatcher } from "../../src/features/subscriptions/delivery/dispatcher.js";
import { WebhookClient } from "../../src/features/subscriptions/delivery/webhook-client.js";
import { parseAllowList } from "../../src/features/subscriptions/ssrf/allow-list.js";
import type { Resolver } from "../../src/features/subscriptions/ssrf/target.js";

let server: Server;
let port: number;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(req.url ?? "");
    req.resume();
    req.on("end", () => {
      if (req.url === "/done") return void res.writeHead(200).end('{"done":true}');
      if (req.url === "/plain") return void res.writeHead(204).end();
      if (req.url === "/redirect") return void res.writeHead(307, { location: "http://169.254.169.254/" }).end();
      if (req.url === "/error") return void res.writeHead(500).end("no");
      if (req.url === "/big") return void res.writeHead(200).end(`{"done":true,"pad":"${"x".repeat(200_000)}"}`);
      // /hang: never answers
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** hooks.example resolves to this machine, as a rebinding attacker would make it. */
const rebinding: Resolver = async () => [{ address: "127.0.0.1", family: 4 }];
const body = new TextEncoder().encode("{}");
const post = (client: WebhookClient, url: string) =>
  client.post(new URL(url), body, () => ({}), new AbortController().signal);

describe("webhook client", () => {
  test("a name resolving to loopback is refused at delivery, unless the allow-list covers it", async () => {
    const strict = new WebhookClient({ allow: parseAllowList([]), resolve: rebinding }, 2000, 4);
    const before = seen.length;
    expect(await post(strict, `http://hooks.example:${port}/done`)).toMatchObject({
      kind: "failed",
      reason: "refused",
    });
    expect(await post(strict, `http://127.0.0.1:${port}/done`)).toMatchObject({ kind: "failed", reason: "refused" });
    expect(seen.length).toBe(before);
    const allowed = new WebhookClient({ allow: parseAllowList(["127.0.0.0/8"]), resolve: rebinding }, 2000, 4);
    expect(await post(allowed, `http://hooks.example:${port}/done`)).toEqual({ kind: "done", status: 200 });
    strict.close();
    allowed.close();
  });

  test("answers: done, accepted, failures by status and timeout; redirects are failures, never followed", async () => {
    const client = new WebhookClient({ allow: parseAllowList(["127.0.0.1"]), resolve: rebinding }, 300, 4);
    expect(await post(client, `http://127.0.0.1:${port}/done`)).toEqual({ kind: "done", status: 200 });
    expect(await post(client, `http://127.0.0.1:${port}/plain`)).toEqual({ kind: "accepted", status: 204 });
    expect(await post(client, `http://127.0.0.1:${port}/big`)).toEqual({ kind: "accepted", status: 200 });
    expect(await post(client, `http://127.0.0.1:${port}/error`)).toMatchObject({
      kind: "failed",
      reason: "status",
      status: 500,
    });
    const redirected = seen.length;
    expect(await post(client, `http://127.0.0.1:${port}/redirect`)).toMatchObject({
      kind: "failed",
      reason: "status",
      status: 307,
    });
    expect(seen.length).toBe(redirected + 1);
    const started = Date.now();
    expect(await post(client, `http://127.0.0.1:${port}/hang`)).toMatchObject({ kind: "failed", reason: "timeout" });
    expect(Date.now() - started).toBeLessThan(2000);
    client.close();
  });
});

describe("dispatcher", () => {
  test("at most `total` tasks run, at most `perOrigin` per origin; a saturated origin does not block others", async () => {
    const dispatcher = new Dispatcher(3, 2);
    const release: Record<string, Array<() => void>> = {};
    const started: string[] = [];
    const task = (name: string, origin: string) =>
      dispatcher.run(origin, () => {
        started.push(name);
        return new Promise<void>((resolve) => {
          release[name] = [resolve];
        });
      });
    const all = [task("a1", "a"), task("a2", "a"), task("a3", "a"), task("b1", "b"), task("c1", "c")];
    await Promise.resolve();
    // a3 waits for origin a; b1 runs past it; c1 waits for a free slot overall.
    expect(started).toEqual(["a1", "a2", "b1"]);
    expect(dispatcher.stats).toEqual({ running: 3, waiting: 2 });
    release.b1![0]!();
    await all[3];
    expect(started).toEqual(["a1", "a2", "b1", "c1"]);
    release.a1![0]!();
    await all[0];
    expect(started).toEqual(["a1", "a2", "b1", "c1", "a3"]);
    for (const name of ["a2", "a3", "c1"]) release[name]![0]!();
    await Promise.all(all);
    expect(dispatcher.stats).toEqual({ running: 0, waiting: 0 });
  });

  test("one origin's waiting tasks start in order; origins with waiting tasks take turns for free slots", async () => {
    const dispatcher = new Dispatcher(1, 1);
    const release = new Map<string, () => void>();
    const started: string[] = [];
    const task = (name: string, origin: string) =>
      dispatcher.run(origin, () => {
        started.push(name);
        return new Promise<void>((resolve) => release.set(name, resolve));
      });
    const names = ["a1", "a2", "a3", "a4", "b1", "b2", "c1"];
    const all = names.map((name) => task(name, name[0]!));
    expect(dispatcher.stats).toEqual({ running: 1, waiting: 6 });
    for (let i = 1; i < names.length; i++) {
      const running = started.at(-1)!;
      release.get(running)!();
      await all[names.indexOf(running)];
    }
    release.get(started.at(-1)!)!();
    await Promise.all(all);
    // a1 ran at once; then a, b and c in turn (in the order they first waited) while each has tasks waiting.
    expect(started).toEqual(["a1", "a2", "b1", "c1", "a3", "b2", "a4"]);
    expect(dispatcher.stats).toEqual({ running: 0, waiting: 0 });
  });
});
