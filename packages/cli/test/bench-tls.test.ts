/**
 * `rivulet bench` against an https URL: a TLS terminator with a self-signed certificate in
 * front of a plain server. Appends (undici) and live readers (raw TLS sockets) both go through
 * it; without the certificate trusted, the run stops at its first request.
 */
import { rm, writeFile } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type Server } from "node:tls";
import { generate } from "selfsigned";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { errorLine, rivulet, serverForFile } from "./support/cli-process.js";

const server = serverForFile(["--store", "memory"]);
const certFile = join(tmpdir(), `rivulet-bench-tls-${process.pid}.pem`);
let terminator: Server;
let httpsUrl: string;

beforeAll(async () => {
  const pems = await generate([{ name: "commonName", value: "127.0.0.1" }], {
    keyType: "ec",
    algorithm: "sha256",
    extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
  });
  await writeFile(certFile, pems.cert);
  const upstream = new URL(server.url);
  terminator = createServer({ key: pems.private, cert: pems.cert }, (client) => {
    const plain: Socket = connect(Number(upstream.port), upstream.hostname);
    client.pipe(plain).pipe(client);
    client.on("error", () => plain.destroy());
    plain.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve) => terminator.listen(0, "127.0.0.1", resolve));
  httpsUrl = `https://127.0.0.1:${(terminator.address() as { port: number }).port}`;
});

afterAll(async () => {
  terminator?.close();
  await rm(certFile, { force: true });
});

const TINY = ["--quick", "--duration", "200ms", "--warmup", "0", "--connections", "4", "--streams", "2"];

describe("rivulet bench over https", () => {
  test("appends and live readers over TLS", { timeout: 60_000 }, async () => {
    const { code, stdout, stderr } = await rivulet(
      ["bench", "--url", httpsUrl, ...TINY, "--subscribers", "5", "--scenarios", "appends,fan-out", "--json"],
      { env: { NODE_EXTRA_CA_CERTS: certFile }, timeoutMs: 50_000 },
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      scenarios: Array<{ name: string; failures: number; figures: Array<Record<string, unknown>> }>;
    };
    expect(report.scenarios.map((s) => [s.name, s.failures])).toEqual([
      ["appends", 0],
      ["fan-out", 0],
    ]);
    const readers = report.scenarios[1]!.figures.filter((row) => !row.ramp);
    expect(readers.map((row) => [row.mode, row.delivered, row.expected])).toEqual([
      ["sse", 10, 10],
      ["long-poll", 10, 10],
    ]);
  });

  test("an untrusted certificate: NETWORK before any load, exit 5", async () => {
    const { code, stdout, stderr } = await rivulet(["bench", "--url", httpsUrl, "--retries", "0", ...TINY]);
    expect(code).toBe(5);
    expect(stderr).toMatch(errorLine("NETWORK"));
    expect(stdout).toBe("");
  });
});
