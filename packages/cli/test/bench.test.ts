/** `rivulet bench`: a tiny run against a real server reports sane numbers and cleans up. */
import { describe, expect, test } from "vitest";
import { closedPort, errorLine, rivulet, serverForFile } from "./support/cli-process.js";

const server = serverForFile();

describe("rivulet bench", () => {
  test("--json: appends made, throughput and ordered latency percentiles; its streams are deleted", async () => {
    const { code, stdout, stderr } = await rivulet([
      ...["bench", "--url", server.url, "--duration", "300ms", "--warmup", "0"],
      ...["--connections", "4", "--size", "100", "--streams", "2", "--json"],
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ payloadBytes: 100, connections: 4, streams: 2, failed: 0, failures: {} });
    expect(report.ok).toBeGreaterThan(0);
    expect(report.appendsPerSecond).toBeGreaterThan(0);
    // Payload rate is appends times payload size (elapsedMs is rounded in the report, hence 1%).
    const expectedRate = (report.ok * 100) / (report.elapsedMs / 1000);
    expect(Math.abs(report.payloadBytesPerSecond - expectedRate) / expectedRate).toBeLessThan(0.01);
    const { p50, p90, p99, p999, max } = report.latencyMs;
    expect(p50).toBeGreaterThan(0);
    expect([p50, p90, p99, p999, max]).toEqual([p50, p90, p99, p999, max].sort((a, b) => a - b));
    const left = await rivulet(["ls", "bench-", "--json", "--url", server.url]);
    expect(JSON.parse(left.stdout)).toEqual([]);
  });

  test("the table form", async () => {
    const { code, stdout } = await rivulet([
      ...["bench", "--url", server.url, "--duration", "200ms", "--warmup", "100ms", "--connections", "2"],
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^appends of 256 B to 1 stream\(s\) under http:\/\/127\.0\.0\.1:\d+\/v1\/stream\n/);
    for (const metric of ["appends ok", "appends failed", "throughput", "latency p50", "latency p99.9"]) {
      expect(stdout).toMatch(new RegExp(`^${metric} +\\S`, "m"));
    }
  });

  test("no server there: exit 5, one line", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const { code, stderr } = await rivulet(["bench", "--url", url, "--retries", "0"]);
    expect(code).toBe(5);
    expect(stderr).toMatch(errorLine("NETWORK"));
  });
});
