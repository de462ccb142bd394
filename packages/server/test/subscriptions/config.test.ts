/** Subscription configuration (PROTOCOL §6.2): validation, normalisation and the re-confirmation hash. */
import { describe, expect, test } from "vitest";
import { configHash, parseConfig } from "../../src/features/subscriptions/config.js";
import { parseAllowList } from "../../src/features/subscriptions/ssrf/allow-list.js";

const RULES = {
  basePath: "/v1/stream",
  maxPathBytes: 1024,
  glob: { maxLength: 256, maxSegments: 32, maxWildcards: 8 },
  maxWebhookUrlLength: 2048,
  maxStreams: 3,
  allow: parseAllowList(["127.0.0.1"]),
};
const parse = (body: unknown) => parseConfig(body, RULES).config;
const errorOf = (body: unknown) => {
  try {
    parse(body);
    return "accepted";
  } catch (error) {
    return `${(error as { code: string }).code}: ${(error as Error).message}`;
  }
};
const webhook = { type: "webhook", webhook: { url: "https://hooks.example.com/x" } };

describe("valid configurations", () => {
  test("a webhook subscription is normalised and defaulted", () => {
    expect(parse({ ...webhook, pattern: "events/*", streams: ["b/2", "/a/1", "b/2"] })).toEqual({
      type: "webhook",
      pattern: "events/*",
      streams: ["a/1", "b/2"],
      webhook: { url: "https://hooks.example.com/x" },
      wake_stream: null,
      lease_ttl_ms: 30_000,
      description: null,
    });
  });

  test("a pull-wake subscription names its wake stream", () => {
    expect(
      parse({ type: "pull-wake", streams: ["jobs/a"], wake_stream: "wake/pool", lease_ttl_ms: 1000 }),
    ).toMatchObject({
      type: "pull-wake",
      webhook: null,
      wake_stream: "wake/pool",
      lease_ttl_ms: 1000,
    });
  });

  test("unknown fields are ignored, so newer clients can talk to this server", () => {
    expect(parse({ ...webhook, pattern: "a/*", future: 1 })).toEqual(parse({ ...webhook, pattern: "a/*" }));
  });
});

describe("the hash", () => {
  const hash = (body: unknown) => configHash(parse(body));

  test("equivalent bodies hash alike: stream order, duplicates, defaults, URL spelling", () => {
    expect(hash({ ...webhook, streams: ["b", "a", "a"] })).toBe(
      hash({ ...webhook, streams: ["a", "b"], lease_ttl_ms: 30_000, description: null }),
    );
    expect(hash({ type: "webhook", webhook: { url: "https://HOOKS.example.com:443/x" }, pattern: "a/*" })).toBe(
      hash({ ...webhook, pattern: "a/*" }),
    );
  });

  test("every configured field changes it", () => {
    const base = { ...webhook, pattern: "a/*", streams: ["s"], lease_ttl_ms: 5000, description: "d" };
    const variants = [
      { ...base, pattern: "b/*" },
      { ...base, streams: ["t"] },
      { ...base, webhook: { url: "https://hooks.example.com/y" } },
      { ...base, lease_ttl_ms: 6000 },
      { ...base, description: "e" },
      { type: "pull-wake", pattern: "a/*", streams: ["s"], lease_ttl_ms: 5000, description: "d", wake_stream: "w" },
    ];
    const hashes = new Set([hash(base), ...variants.map(hash)]);
    expect(hashes.size).toBe(variants.length + 1);
  });
});

describe("invalid configurations", () => {
  test.each([
    [null, "INVALID_SUBSCRIPTION: the body must be a JSON object"],
    [[], "INVALID_SUBSCRIPTION: the body must be a JSON object"],
    [{ type: "push", pattern: "a" }, 'INVALID_SUBSCRIPTION: type must be "webhook" or "pull-wake"'],
    [{ ...webhook }, "INVALID_SUBSCRIPTION: a subscription needs a pattern or streams (or both)"],
    [{ ...webhook, streams: [] }, "INVALID_SUBSCRIPTION: a subscription needs a pattern or streams (or both)"],
    [{ ...webhook, pattern: 3 }, "INVALID_SUBSCRIPTION: pattern must be a string"],
    [{ ...webhook, streams: "a" }, "INVALID_SUBSCRIPTION: streams must be an array of stream paths"],
    [{ ...webhook, streams: [""] }, "INVALID_SUBSCRIPTION: streams must be non-empty stream paths"],
    [{ ...webhook, streams: ["__ds/state/x"] }, "INVALID_SUBSCRIPTION: streams: __ds paths are reserved, not streams"],
    [{ ...webhook, streams: ["a/../b"] }, "INVALID_PATH: A stream path may not contain empty, '.' or '..' segments"],
    [{ ...webhook, streams: ["a", "b", "c", "d"] }, "TOO_MANY_SUBSCRIPTION_STREAMS: streams may list at most 3 paths"],
    [
      { ...webhook, pattern: "a/*", lease_ttl_ms: 999 },
      "INVALID_SUBSCRIPTION: lease_ttl_ms must be an integer from 1000 to 600000",
    ],
    [
      { ...webhook, pattern: "a/*", lease_ttl_ms: 600_001 },
      "INVALID_SUBSCRIPTION: lease_ttl_ms must be an integer from 1000 to 600000",
    ],
    [
      { ...webhook, pattern: "a/*", lease_ttl_ms: 1500.5 },
      "INVALID_SUBSCRIPTION: lease_ttl_ms must be an integer from 1000 to 600000",
    ],
    [
      { ...webhook, pattern: "a/*", description: "x".repeat(1025) },
      "INVALID_SUBSCRIPTION: description must be at most 1024 characters",
    ],
    [{ type: "webhook", pattern: "a/*" }, "INVALID_SUBSCRIPTION: a webhook subscription needs webhook.url"],
    [
      { ...webhook, pattern: "a/*", wake_stream: "w" },
      "INVALID_SUBSCRIPTION: wake_stream is for pull-wake subscriptions",
    ],
    [{ type: "pull-wake", pattern: "a/*" }, "INVALID_SUBSCRIPTION: a pull-wake subscription needs wake_stream"],
    [
      { type: "pull-wake", pattern: "a/*", wake_stream: "w", webhook: {} },
      "INVALID_SUBSCRIPTION: webhook is for webhook subscriptions",
    ],
    [
      { type: "pull-wake", streams: ["w"], wake_stream: "w" },
      "INVALID_SUBSCRIPTION: wake_stream cannot also be one of the subscription's streams",
    ],
    [
      { type: "webhook", pattern: "a/*", webhook: { url: "http://10.0.0.1/hook" } },
      "WEBHOOK_URL_REJECTED: webhook.url must use https:// (http:// only for hosts on the webhook allow-list)",
    ],
    [{ ...webhook, pattern: "a/**/b/**/c/**" }, "PATTERN_TOO_COMPLEX: pattern has more than 2 '**' segments"],
  ])("%j → %s", (body, expected) => {
    expect(errorOf(body)).toBe(expected);
  });

  test("an allow-listed local target is accepted over http", () => {
    expect(parse({ type: "webhook", pattern: "a/*", webhook: { url: "http://127.0.0.1:9/webhook" } }).webhook).toEqual({
      url: "http://127.0.0.1:9/webhook",
    });
  });
});
