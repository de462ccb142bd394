/** Topic settings: the documented defaults, and every value that makes no sense refused before anything opens. */
import { resolveTopicSettings, TOPIC_DEFAULTS } from "@rivulet/server";
import { describe, expect, test } from "vitest";

describe("resolveTopicSettings", () => {
  test("defaults, and what is given over them", () => {
    expect(resolveTopicSettings(undefined)).toEqual(TOPIC_DEFAULTS);
    const resolved = resolveTopicSettings({ pathPrefix: "kafka/topics", compaction: { intervalMs: 50 } });
    expect(resolved.pathPrefix).toBe("kafka/topics");
    expect(resolved.compaction).toEqual({ ...TOPIC_DEFAULTS.compaction, intervalMs: 50 });
  });

  test("nonsense is refused", () => {
    const bad: Array<[object, RegExp]> = [
      [{ pathPrefix: "" }, /pathPrefix/],
      [{ pathPrefix: "a//b" }, /pathPrefix/],
      [{ pathPrefix: "/topics" }, /pathPrefix/],
      [{ pathPrefix: "__ds" }, /pathPrefix/],
      [{ pathPrefix: "x/../y" }, /pathPrefix/],
      [{ maxTopics: 0 }, /maxTopics/],
      [{ maxPartitions: 1.5 }, /maxPartitions/],
      [{ maxRecordsPerRequest: -1 }, /maxRecordsPerRequest/],
      [{ stickyBatchBytes: 0 }, /stickyBatchBytes/],
      [{ recoverAfterMs: 0 }, /recoverAfterMs/],
      [{ defaultDeleteRetentionMs: -5 }, /defaultDeleteRetentionMs/],
      [{ compaction: { bytesPerTick: 0 } }, /bytesPerTick/],
      [{ compaction: { maxKeysPerPass: 0 } }, /maxKeysPerPass/],
      [{ compaction: { minDirtyRatio: -0.1 } }, /minDirtyRatio/],
      [{ compaction: { minDirtyRatio: Number.NaN } }, /minDirtyRatio/],
    ];
    for (const [settings, message] of bad)
      expect(() => resolveTopicSettings(settings), JSON.stringify(settings)).toThrow(message);
  });
});
