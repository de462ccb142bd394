/**
 * The exposure rule of `rivulet serve` (real processes): auth may be off only on loopback;
 * on any other address the server refuses to start without auth unless --insecure. Auth is
 * configured from a token file, a JWT secret file, or inline in the JSON config.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { RIVULET_BIN, type ServerProcess, spawnServer } from "../support/spawn-server.js";

const TOKEN = "cli-test-token-0123456789abcdef";
let dir: string;
const running: ServerProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rivulet-cli-auth-"));
});
afterAll(async () => {
  for (const server of running) server.child.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

/** Runs `rivulet serve` to its exit: the exit code and everything it printed. */
function runToExit(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [RIVULET_BIN, "serve", "--port", "0", "--store", "memory", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  return new Promise((resolve) =>
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

async function serve(args: string[]): Promise<ServerProcess> {
  const server = await spawnServer(["--store", "memory", ...args]);
  running.push(server);
  return server;
}

const stream = (server: ServerProcess, name: string) => `${server.url}/v1/stream/${name}`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("without auth", () => {
  test("on 0.0.0.0 the server refuses to start: one clear line, non-zero exit", async () => {
    const { code, output } = await runToExit(["--host", "0.0.0.0"]);
    expect(code).not.toBe(0);
    expect(output).not.toContain("listening on");
    const lines = output.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^rivulet: USAGE: refusing to listen on 0\.0\.0\.0 without authentication: .*--insecure/);
  });

  test("on another non-loopback address (here ::) it refuses too", async () => {
    const { code, output } = await runToExit(["--host", "::"]);
    expect(code).not.toBe(0);
    expect(output).toContain("refusing to listen on :: without authentication");
  });

  test("with --insecure it starts, warns, and serves without credentials", async () => {
    const server = await serve(["--host", "0.0.0.0", "--insecure"]);
    const res = await fetch(stream(server, "open"), { method: "PUT" });
    expect(res.status).toBe(201);
  });

  test("RIVULET_INSECURE in the environment counts as --insecure", async () => {
    const child = spawn(
      process.execPath,
      [RIVULET_BIN, "serve", "--port", "0", "--store", "memory", "--host", "0.0.0.0"],
      {
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, RIVULET_INSECURE: "1" },
      },
    );
    const output = await new Promise<string>((resolve) => {
      let text = "";
      child.stderr.on("data", (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes("warning: --insecure")) resolve(text);
      });
      child.once("exit", () => resolve(text));
    });
    child.kill("SIGKILL");
    expect(output).toContain("listening on");
  });

  test("on loopback (the default) it starts with auth off", async () => {
    const server = await serve([]);
    expect((await fetch(stream(server, "loop"), { method: "PUT" })).status).toBe(201);
  });
});

describe("with auth configured", () => {
  test("a token file allows listening on 0.0.0.0, and requests need a token", async () => {
    const file = join(dir, "tokens.json");
    await writeFile(file, JSON.stringify([{ id: "ops", token: TOKEN, scopes: ["read", "write"] }]));
    const server = await serve(["--host", "0.0.0.0", "--auth-tokens-file", file]);
    expect((await fetch(stream(server, "t"), { method: "PUT" })).status).toBe(401);
    expect((await fetch(stream(server, "t"), { method: "PUT", headers: bearer(TOKEN) })).status).toBe(201);
  });

  test("a JWT secret file: HS256 tokens are accepted", async () => {
    const secret = "cli-hs256-secret-that-is-long-enough-0123";
    const file = join(dir, "secret.txt");
    await writeFile(file, `${secret}\n`);
    const server = await serve(["--host", "0.0.0.0", "--jwt-hs256-secret-file", file, "--jwt-issuer", "cli-test"]);
    const jwt = await new SignJWT({ scope: "write read" })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("cli-test")
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(secret));
    expect((await fetch(stream(server, "j"), { method: "PUT", headers: bearer(jwt) })).status).toBe(201);
    expect((await fetch(stream(server, "j"), { method: "PUT" })).status).toBe(401);
  });

  test("inline in the config file, with limits and booleans", async () => {
    const file = join(dir, "config.json");
    await writeFile(
      file,
      JSON.stringify({
        host: "0.0.0.0",
        maxStreams: 1,
        trustProxy: false,
        auth: { tokens: [{ token: TOKEN, scopes: ["write:/v1/stream/**"] }] },
      }),
    );
    const server = await serve(["--config", file]);
    expect((await fetch(stream(server, "c1"), { method: "PUT", headers: bearer(TOKEN) })).status).toBe(201);
    expect((await fetch(stream(server, "c2"), { method: "PUT", headers: bearer(TOKEN) })).status).toBe(507);
    expect((await fetch(`${stream(server, "c1")}?offset=-1`, { headers: bearer(TOKEN) })).status).toBe(403);
  });

  test("a bad token file stops the start with an error that does not show the token", async () => {
    const file = join(dir, "bad-tokens.json");
    await writeFile(file, JSON.stringify([{ id: "weak", token: "short-secret", scopes: ["read"] }]));
    const { code, output } = await runToExit(["--auth-tokens-file", file]);
    expect(code).not.toBe(0);
    expect(output).toContain("auth token weak");
    expect(output).not.toContain("short-secret");
    const missing = await runToExit(["--auth-tokens-file", join(dir, "absent.json")]);
    expect(missing.code).not.toBe(0);
    expect(missing.output).toContain("cannot read token file");
  });

  test.each<[string, () => Promise<string[]>, RegExp]>([
    ["JWT settings without a key", async () => ["--jwt-issuer", "x"], /no token file, token or JWT key/],
    ["an unreadable secret file", async () => ["--jwt-hs256-secret-file", join(dir, "nope")], /cannot read .*nope/],
    [
      "a token file that is not an array",
      async () => {
        await writeFile(join(dir, "object.json"), JSON.stringify({ token: TOKEN }));
        return ["--auth-tokens-file", join(dir, "object.json")];
      },
      /must hold a JSON array/,
    ],
    [
      "a token entry without scopes",
      async () => {
        await writeFile(join(dir, "noscopes.json"), JSON.stringify([{ token: TOKEN }]));
        return ["--auth-tokens-file", join(dir, "noscopes.json")];
      },
      /entry 1 needs "token" \(a string\) and "scopes"/,
    ],
    [
      "an unknown config key",
      async () => {
        await writeFile(join(dir, "typo.json"), JSON.stringify({ maxStreamz: 1 }));
        return ["--config", join(dir, "typo.json")];
      },
      /unknown setting .*maxStreamz/,
    ],
    [
      "a config value its flag would refuse",
      async () => {
        await writeFile(join(dir, "badsize.json"), JSON.stringify({ maxMessage: "lots" }));
        return ["--config", join(dir, "badsize.json")];
      },
      /maxMessage in .*not a size/,
    ],
    [
      "a config auth that is not an object",
      async () => {
        await writeFile(join(dir, "badauth.json"), JSON.stringify({ auth: [TOKEN] }));
        return ["--config", join(dir, "badauth.json")];
      },
      /auth in .* must be an object/,
    ],
  ])("%s stops the start with a usage error", async (_name, args, message) => {
    const { code, output } = await runToExit(await args());
    expect(code).not.toBe(0);
    expect(output).toMatch(/^rivulet: USAGE: /);
    expect(output).toMatch(message);
    expect(output).not.toContain(TOKEN);
  });

  test("a config boolean must be a boolean", async () => {
    const file = join(dir, "bad-config.json");
    await writeFile(file, JSON.stringify({ insecure: "false" }));
    const { code, output } = await runToExit(["--config", file]);
    expect(code).not.toBe(0);
    expect(output).toContain("insecure");
  });
});
