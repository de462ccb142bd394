/**
 * `rivulet context`: named contexts in the config directory (the token apart, mode 0600), and
 * how they fill in --url and --token for client commands: flags, then RIVULET_URL /
 * RIVULET_TOKEN, then --context / RIVULET_CONTEXT, then the current context — and a context's
 * token never goes to another URL. Two stub servers record who was asked, with what token.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { errorLine, rivulet } from "./support/cli-process.js";

interface Stub {
  server: Server;
  url: string;
  /** The authorization header of each request by path ("" when none). */
  seen: Map<string, string>;
}

async function stubServer(): Promise<Stub> {
  const seen = new Map<string, string>();
  const server = createServer((request, response) => {
    seen.set(request.url ?? "", request.headers.authorization ?? "");
    response.writeHead(200, {
      "content-type": "text/plain",
      "stream-next-offset": "0000000000000000_0000000000000000",
    });
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

let prod: Stub;
let staging: Stub;
const dirs: string[] = [];

beforeAll(async () => {
  [prod, staging] = await Promise.all([stubServer(), stubServer()]);
});

afterAll(async () => {
  await Promise.all([prod, staging].map((stub) => new Promise((resolve) => stub.server.close(resolve))));
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "rivulet-context-"));
  dirs.push(dir);
  return dir;
}

/** A config directory, and `rivulet …` with it. */
async function configured() {
  const dir = join(await tempDir(), "config");
  const run = (args: string[], env: Record<string, string> = {}, input?: string) =>
    rivulet(args, { env: { RIVULET_CONFIG_DIR: dir, ...env }, ...(input === undefined ? {} : { input }) });
  return { dir, run };
}

/** prod (current, with a token) and staging (another token). */
async function twoContexts() {
  const setup = await configured();
  // One after the other: each edit replaces the files whole.
  expect((await setup.run(["context", "add", "prod", "--url", prod.url, "--token", "prod-token", "--use"])).code).toBe(
    0,
  );
  expect((await setup.run(["context", "add", "staging", "--url", staging.url, "--token", "staging-token"])).code).toBe(
    0,
  );
  return setup;
}

let requests = 0;
/** Which stub a `head` reached and with what authorization (a path of its own tells them apart). */
async function headVia(run: Awaited<ReturnType<typeof configured>>["run"], args: string[], env = {}) {
  const name = `probe-${++requests}`;
  const result = await run(["head", name, ...args], env);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  const path = `/v1/stream/${name}`;
  if (prod.seen.has(path)) return { to: "prod", auth: prod.seen.get(path) };
  if (staging.seen.has(path)) return { to: "staging", auth: staging.seen.get(path) };
  return { to: "nowhere", auth: undefined };
}

describe.concurrent("rivulet context", () => {
  test("add, ls, show, use and rm; the token is kept apart in a file only the user reads", async () => {
    const { dir, run } = await twoContexts();
    const ls = await run(["context", "ls"]);
    expect(ls.stdout).toMatch(/^CURRENT +NAME +URL +TOKEN\n\* +prod +http:\/\/127\.0\.0\.1:\d+ +yes\n +staging +http/);
    const json = JSON.parse((await run(["context", "ls", "--json"])).stdout);
    expect(json).toEqual([
      { name: "prod", url: prod.url, hasToken: true, current: true },
      { name: "staging", url: staging.url, hasToken: true, current: false },
    ]);
    expect((await run(["context", "ls", "--names"])).stdout).toBe("prod\nstaging\n");

    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, "tokens.json"))).mode & 0o777).toBe(0o600);
    const listed = await readFile(join(dir, "contexts.json"), "utf8");
    expect(listed).not.toContain("token");
    expect(JSON.parse(await readFile(join(dir, "tokens.json"), "utf8"))).toEqual({
      prod: "prod-token",
      staging: "staging-token",
    });

    const show = await run(["context", "show"]);
    expect(show.stdout).toContain("name        prod");
    expect(show.stdout).toContain("token       set (not shown)");
    expect(show.stdout).not.toContain("prod-token");

    expect((await run(["context", "use", "staging"])).stdout).toBe("current context: staging\n");
    expect(JSON.parse((await run(["context", "show", "--json"])).stdout)).toMatchObject({
      name: "staging",
      current: true,
    });
    expect((await run(["context", "rm", "staging"])).code).toBe(0);
    expect((await run(["context", "ls", "--names"])).stdout).toBe("prod\n");
    expect(JSON.parse(await readFile(join(dir, "tokens.json"), "utf8"))).toEqual({ prod: "prod-token" });
    // The removed context was current: now none is.
    const none = await run(["context", "show"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(errorLine("CONTEXT_NOT_FOUND"));
  });

  test("--token-stdin reads the token from a pipe; --force replaces a context, dropping its old token", async () => {
    const { dir, run } = await configured();
    expect((await run(["context", "add", "prod", "--url", prod.url, "--token-stdin"], {}, "piped-token\n")).code).toBe(
      0,
    );
    expect(JSON.parse(await readFile(join(dir, "tokens.json"), "utf8"))).toEqual({ prod: "piped-token" });
    const again = await run(["context", "add", "prod", "--url", staging.url]);
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(errorLine("CONTEXT_EXISTS"));
    expect((await run(["context", "add", "prod", "--url", staging.url, "--force"])).code).toBe(0);
    expect(JSON.parse(await readFile(join(dir, "tokens.json"), "utf8"))).toEqual({});
    expect(JSON.parse((await run(["context", "ls", "--json"])).stdout)).toEqual([
      { name: "prod", url: staging.url, hasToken: false, current: false },
    ]);
  });

  test("mistakes: unknown names exit 2, bad names and URLs exit 1, and nothing is written", async () => {
    const { dir, run } = await twoContexts();
    const before = await readFile(join(dir, "contexts.json"), "utf8");
    const cases: [string[], number, string][] = [
      [["context", "use", "nope"], 2, "CONTEXT_NOT_FOUND"],
      [["context", "rm", "nope"], 2, "CONTEXT_NOT_FOUND"],
      [["context", "show", "nope"], 2, "CONTEXT_NOT_FOUND"],
      [["head", "x", "--context", "nope"], 2, "CONTEXT_NOT_FOUND"],
      [["context", "add", "-bad", "--url", prod.url], 1, "USAGE"],
      [["context", "add", "no/slash", "--url", prod.url], 1, "USAGE"],
      [["context", "add", "ok", "--url", "ftp://host"], 1, "USAGE"],
      [["context", "add", "ok"], 1, "USAGE"],
      [["context", "use"], 1, "USAGE"],
      [["context", "use", "prod", "--none"], 1, "USAGE"],
      [["context", "add", "ok", "--url", prod.url, "--token-stdin"], 1, "USAGE"],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args)));
    results.forEach((result, index) => {
      const [args, code, error] = cases[index]!;
      expect({ args, code: result.code, stderr: result.stderr }).toEqual({
        args,
        code,
        stderr: expect.stringMatching(errorLine(error)),
      });
    });
    expect(await readFile(join(dir, "contexts.json"), "utf8")).toBe(before);
  });

  test("a config file that is not JSON is CONFIG_INVALID naming the file, exit 1", async () => {
    const { dir, run } = await twoContexts();
    await writeFile(join(dir, "contexts.json"), "{not json");
    for (const args of [
      ["context", "ls"],
      ["head", "x"],
    ]) {
      const result = await run(args);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(errorLine("CONFIG_INVALID"));
      expect(result.stderr).toContain(join(dir, "contexts.json"));
    }
  });

  test("the current context supplies --url and --token; use --none goes back to the default", async () => {
    const { run } = await twoContexts();
    expect(await headVia(run, [])).toEqual({ to: "prod", auth: "Bearer prod-token" });
    await run(["context", "use", "staging"]);
    expect(await headVia(run, [])).toEqual({ to: "staging", auth: "Bearer staging-token" });
    expect((await run(["context", "use", "--none"])).stdout).toBe("no current context\n");
    // The default URL: nothing listens there in the test, so no stub hears of it.
    const fallback = await run(["head", "x", "--timeout", "5s", "--retries", "0"]);
    expect(fallback.stderr).toContain("127.0.0.1:4437");
  });

  test("precedence: flags, then RIVULET_URL/RIVULET_TOKEN, then --context/RIVULET_CONTEXT, then the current context", async () => {
    const { run } = await twoContexts();
    expect(await headVia(run, ["--context", "staging"])).toEqual({ to: "staging", auth: "Bearer staging-token" });
    expect(await headVia(run, [], { RIVULET_CONTEXT: "staging" })).toEqual({
      to: "staging",
      auth: "Bearer staging-token",
    });
    expect(await headVia(run, ["--token", "flag-token"])).toEqual({ to: "prod", auth: "Bearer flag-token" });
    expect(await headVia(run, [], { RIVULET_TOKEN: "env-token" })).toEqual({ to: "prod", auth: "Bearer env-token" });
    expect(await headVia(run, ["--url", prod.url])).toEqual({ to: "prod", auth: "Bearer prod-token" });
  });

  test("a context's token is never sent to a URL that is not the context's", async () => {
    const { run } = await twoContexts();
    expect(await headVia(run, ["--url", staging.url])).toEqual({ to: "staging", auth: "" });
    expect(await headVia(run, [], { RIVULET_URL: staging.url })).toEqual({ to: "staging", auth: "" });
    expect(await headVia(run, ["--url", staging.url, "--token", "mine"])).toEqual({
      to: "staging",
      auth: "Bearer mine",
    });
  });

  test("without RIVULET_CONFIG_DIR, contexts live in $XDG_CONFIG_HOME/rivulet, else ~/.config/rivulet", async () => {
    const xdg = await tempDir();
    const home = await tempDir();
    const add = ["context", "add", "prod", "--url", prod.url];
    expect((await rivulet(add, { env: { RIVULET_CONFIG_DIR: "", XDG_CONFIG_HOME: xdg } })).code).toBe(0);
    expect(await readFile(join(xdg, "rivulet", "contexts.json"), "utf8")).toContain(prod.url);
    expect((await rivulet(add, { env: { RIVULET_CONFIG_DIR: "", XDG_CONFIG_HOME: "", HOME: home } })).code).toBe(0);
    expect(await readFile(join(home, ".config", "rivulet", "contexts.json"), "utf8")).toContain(prod.url);
  });

  test("context show says when RIVULET_URL or RIVULET_TOKEN overrides the context", async () => {
    const { run } = await twoContexts();
    const { stdout } = await run(["context", "show"], { RIVULET_URL: staging.url });
    expect(stdout).toContain("note: RIVULET_URL is set; commands use it instead of this context");
    expect(stdout).not.toContain("RIVULET_TOKEN");
  });
});
