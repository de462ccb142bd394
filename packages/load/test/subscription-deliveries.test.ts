/**
 * Scenario 8 end to end at a tiny size, in this process, against a real Rivulet server: the
 * streams and webhook subscriptions are made, every acknowledged append reaches the receiver
 * whichever way it acknowledges, and nothing is left behind — also when the server refuses
 * the receiver as a webhook target.
 */
import { inProcess, type LoadTarget, measureSubscriptions, type SubscriptionSizes } from "@rivulet/load";
import { type RivuletServer, silentLogger, startServer } from "@rivulet/server";
import { afterEach, describe, expect, test } from "vitest";

const SIZES: SubscriptionSizes = {
  streams: 12,
  subscriptions: 3,
  rates: [40],
  rateSeconds: 0.3,
  peakConnections: 3,
  peakSeconds: 0.3,
  warmupSeconds: 0.1,
  drainMs: 10_000,
  bodyBytes: 64,
  connections: 3,
  ack: "callback",
  verifySignatures: true,
};

let server: RivuletServer | undefined;

afterEach(async () => {
  await server?.close({ graceMs: 0 });
  server = undefined;
});

function runAgainst(url: string, told: string[] = []) {
  const target: LoadTarget = {
    origin: url,
    headers: {},
    serverPid: undefined,
    root: "/v1/stream",
    path: (name) => `/v1/stream/t-${name}`,
    created: (...paths) => told.push(...paths),
    createdRange: () => {},
  };
  return { target, jobs: inProcess(), runs: 2, createAttempts: 1, progress: () => {} };
}

async function subscriptionsLeft(url: string): Promise<unknown[]> {
  const listing = (await (await fetch(`${url}/v1/stream/__ds/subscriptions`)).json()) as { subscriptions: unknown[] };
  return listing.subscriptions;
}

describe("measureSubscriptions against Rivulet", () => {
  test.each(["callback", "done"] as const)(
    "acknowledging by %s, every acknowledged append is delivered",
    async (ack) => {
      server = await startServer({ port: 0, webhookAllow: ["127.0.0.1"], logger: silentLogger });
      const told: string[] = [];
      const measured = await measureSubscriptions(runAgainst(server.url, told), { ...SIZES, ack });

      expect(told).toHaveLength(12);
      expect(told[0]).toBe("/v1/stream/t-subs/0/0");
      expect(measured.result.streams.created).toBe(12);
      expect(measured.result.subscriptions.created).toBe(3);
      expect(measured.phases.map((p) => [p.phase.kind, p.windows.length])).toEqual([
        ["rate", 2],
        ["peak", 2],
      ]);
      for (const window of measured.result.windows) {
        expect(window.acked, JSON.stringify(window)).toBeGreaterThan(0);
        expect(window.appendErrors + window.receiverFailures + window.unanswered).toBe(0);
        expect(window.sent).toBe(window.acked);
        expect(window.delivered).toBe(window.acked);
        expect(window.undelivered).toBe(0);
        expect(window.wakes).toBeGreaterThan(0);
        expect(window.appendsPerWake).toBeGreaterThanOrEqual(1);
        expect(window.latency.count).toBe(window.delivered);
        expect(window.latency.p50).toBeLessThanOrEqual(window.latency.p99);
      }
      expect(measured.result.leftOver).toBe(0);
      expect(await subscriptionsLeft(server.url)).toEqual([]);
    },
  );

  test("a server that refuses the receiver as a target: the job fails saying why, and leaves no subscription", async () => {
    // No allow-list: loopback webhooks are refused (PROTOCOL §12.8).
    server = await startServer({ port: 0, logger: silentLogger });
    await expect(measureSubscriptions(runAgainst(server.url), SIZES)).rejects.toThrow(
      /created 0 of 3 subscriptions: PUT \/v1\/stream\/__ds\/subscriptions\/t-subs-\d answered 400/,
    );
    expect(await subscriptionsLeft(server.url)).toEqual([]);
  });
});
