import {
  checkTopicName,
  parseTopicConfig,
  patchTopicConfig,
  topicConfigJson,
  topicConfigsEqual,
} from "@rivulet/protocol";
import { describe, expect, test } from "vitest";
import { expectProtocolError } from "./expect-error.js";

const limits = { maxPartitions: 64, defaultDeleteRetentionMs: 1000 };

describe("topic names", () => {
  test("letters, digits, dot, underscore and dash, up to 249", () => {
    for (const name of ["orders", "a.b-c_D9", "x".repeat(249), "_schemas"]) checkTopicName(name);
    for (const name of ["", ".", "..", "a/b", "a b", "é", "x".repeat(250), "__consumer_offsets", "__changes"]) {
      expectProtocolError(() => checkTopicName(name), "INVALID_TOPIC_NAME");
    }
  });
});

describe("parseTopicConfig", () => {
  test("defaults: one partition, delete, the server's retention, the default tombstone delay", () => {
    const config = parseTopicConfig({}, limits);
    expect(topicConfigJson(config)).toEqual({
      partitions: 1,
      content_type: "application/json",
      cleanup_policy: "delete",
      retention_ms: null,
      retention_bytes: null,
      delete_retention_ms: 1000,
    });
    // The same request said in full compares equal.
    expect(topicConfigsEqual(config, parseTopicConfig(topicConfigJson(config), limits))).toBe(true);
    expect(topicConfigsEqual(config, parseTopicConfig({ partitions: 2 }, limits))).toBe(false);
  });

  test("every setting", () => {
    const config = parseTopicConfig(
      { partitions: 12, cleanup_policy: "delete", retention_ms: 5, retention_bytes: 6, delete_retention_ms: 7 },
      limits,
    );
    expect(config).toMatchObject({ partitions: 12, retentionMs: 5, retentionBytes: 6, deleteRetentionMs: 7 });
  });

  test("invalid settings", () => {
    const invalid = [
      [],
      "x",
      { partitions: 1, colour: "red" },
      { content_type: "text/plain" },
      { cleanup_policy: "compact,delete" },
      { retention_ms: -1 },
      { retention_bytes: "1" },
      { delete_retention_ms: null },
      { cleanup_policy: "compact", retention_ms: 5 },
      { cleanup_policy: "compact", retention_bytes: 5 },
    ];
    for (const body of invalid) expectProtocolError(() => parseTopicConfig(body, limits), "INVALID_TOPIC_CONFIG");
    for (const partitions of [0, -1, 65, 1.5, "2"]) {
      expectProtocolError(() => parseTopicConfig({ partitions }, limits), "INVALID_PARTITION_COUNT");
    }
  });
});

describe("patchTopicConfig", () => {
  const base = parseTopicConfig({ partitions: 3, retention_ms: 10 }, limits);

  test("partitions only grow; null puts a setting back to its default", () => {
    const grown = patchTopicConfig(base, { partitions: 5, retention_ms: null, retention_bytes: 9 }, limits);
    expect(grown).toMatchObject({ partitions: 5, retentionMs: undefined, retentionBytes: 9 });
    expect(patchTopicConfig(base, { partitions: 3 }, limits).partitions).toBe(3);
    expectProtocolError(() => patchTopicConfig(base, { partitions: 2 }, limits), "INVALID_PARTITION_COUNT");
    expect(patchTopicConfig(base, { delete_retention_ms: 5 }, limits).deleteRetentionMs).toBe(5);
    expect(patchTopicConfig(base, { delete_retention_ms: null }, limits).deleteRetentionMs).toBe(1000);
  });

  test("the cleanup policy can change; a compacted topic has no retention by age or size", () => {
    expectProtocolError(() => patchTopicConfig(base, { cleanup_policy: "compact" }, limits), "INVALID_TOPIC_CONFIG");
    const compacted = patchTopicConfig(base, { cleanup_policy: "compact", retention_ms: null }, limits);
    expect(compacted.cleanupPolicy).toBe("compact");
    expectProtocolError(
      () => patchTopicConfig(base, { content_type: "application/json" }, limits),
      "INVALID_TOPIC_CONFIG",
    );
    expectProtocolError(() => patchTopicConfig(base, null, limits), "INVALID_TOPIC_CONFIG");
  });
});
