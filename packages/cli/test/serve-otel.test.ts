/**
 * `rivulet serve --otel` as an operator runs it: spans go over OTLP/HTTP to the collector that
 * OTEL_EXPORTER_OTLP_ENDPOINT names (here a receiver in the test), with the service name from
 * OTEL_SERVICE_NAME and the client's traceparent as parent. The OTEL_* settings it reads itself
 * are checked on their own.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { batchSetting, samplerSetting, sdkDisabled } from "../src/otel-settings.js";
import { type RunningCli, startRivulet } from "./support/cli-process.js";

interface OtlpSpan {
  name: string;
  traceId: string;
  parentSpanId?: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}
interface OtlpExport {
  resourceSpans: Array<{
    resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
    scopeSpans: Array<{ spans: OtlpSpan[] }>;
  }>;
}

describe("rivulet serve --otel", () => {
  let collector: Server;
  let collectorUrl: string;
  const exports: Array<{ path: string; body: OtlpExport }> = [];
  const arrived: Array<() => void> = [];
  let serve: RunningCli;
  let serverUrl: string;

  beforeAll(async () => {
    collector = createServer(async (request: IncomingMessage, response) => {
      let body = "";
      for await (const chunk of request) body += chunk;
      exports.push({ path: request.url ?? "", body: JSON.parse(body) as OtlpExport });
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
      for (const notify of arrived.splice(0)) notify();
    });
    await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
    collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    serve = startRivulet(["serve", "--store", "memory", "--port", "0", "--log-level", "warn", "--otel"], {
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
        OTEL_SERVICE_NAME: "rivulet-under-test",
        OTEL_BSP_SCHEDULE_DELAY: "50",
      },
      timeoutMs: 30_000,
    });
    await serve.waitForStderr((stderr) => /listening on http:\/\/[^/\s]+/.test(stderr));
    serverUrl = /listening on (http:\/\/[^/\s]+)/.exec(serve.stderr)![1]!;
  });
  afterAll(async () => {
    serve?.child.kill("SIGTERM");
    await serve?.result;
    await new Promise((resolve) => collector?.close(resolve));
  });

  const spans = () => exports.flatMap((e) => e.body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));

  test("exports each request's span to the collector, parented on the client's traceparent", async () => {
    expect(serve.stderr).toContain("tracing: spans exported over OTLP/HTTP");
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const parentId = "b7ad6b7169203331";
    const created = await fetch(`${serverUrl}/v1/stream/traced`, {
      method: "PUT",
      headers: { "content-type": "text/plain", traceparent: `00-${traceId}-${parentId}-01` },
    });
    expect(created.status).toBe(201);
    while (!spans().some((span) => span.name === "create")) await new Promise<void>((resolve) => arrived.push(resolve));
    const span = spans().find((s) => s.name === "create")!;
    expect(exports[0]!.path).toBe("/v1/traces");
    expect(span.traceId).toBe(traceId);
    expect(span.parentSpanId).toBe(parentId);
    expect(span.attributes).toContainEqual({ key: "rivulet.stream", value: { stringValue: "/v1/stream/traced" } });
    const resource = exports[0]!.body.resourceSpans[0]!.resource.attributes;
    expect(resource).toContainEqual({ key: "service.name", value: { stringValue: "rivulet-under-test" } });
  });
});

describe("the OTEL_* settings serve reads", () => {
  test("the sampler: the specification's default, a ratio, and a clear error for anything else", () => {
    expect(samplerSetting({})).toEqual({ kind: "parentbased_always_on" });
    expect(samplerSetting({ OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.25" })).toEqual({
      kind: "traceidratio",
      ratio: 0.25,
    });
    expect(samplerSetting({ OTEL_TRACES_SAMPLER: "parentbased_traceidratio" })).toEqual({
      kind: "parentbased_traceidratio",
      ratio: 1,
    });
    expect(() => samplerSetting({ OTEL_TRACES_SAMPLER: "jaeger_remote" })).toThrow(/OTEL_TRACES_SAMPLER must be/);
    expect(() => samplerSetting({ OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "2" })).toThrow(
      /OTEL_TRACES_SAMPLER_ARG/,
    );
  });

  test("the batch processor and the off switch", () => {
    expect(batchSetting({ OTEL_BSP_SCHEDULE_DELAY: "100", OTEL_BSP_MAX_QUEUE_SIZE: "10" })).toEqual({
      scheduledDelayMillis: 100,
      maxQueueSize: 10,
    });
    expect(() => batchSetting({ OTEL_BSP_EXPORT_TIMEOUT: "-1" })).toThrow(/OTEL_BSP_EXPORT_TIMEOUT/);
    expect(sdkDisabled({ OTEL_SDK_DISABLED: "true" })).toBe(true);
    expect(sdkDisabled({})).toBe(false);
  });
});
