/**
 * The topic settings `topic create` and `topic alter` take as flags, turned into the SDK's
 * `TopicConfig`. "default" puts a retention setting back to the server's default (alter).
 */
import type { TopicConfig } from "@rivulet/kafka";
import { Option } from "commander";
import { parsePositiveCount } from "../option-parsers.js";
import { parseDuration, parseSize } from "../units.js";

/** "default": the setting goes back to its default (commander would turn a parsed null into ""). */
type Setting = number | "default";

export interface TopicConfigFlags {
  partitions?: number;
  cleanupPolicy?: "delete" | "compact";
  retention?: Setting;
  retentionBytes?: Setting;
  deleteRetention?: Setting;
}

const orDefault =
  (parse: (value: string) => number) =>
  (value: string): Setting =>
    value === "default" ? "default" : parse(value);

/** null, the wire's "back to the default". */
const setting = (value: Setting) => (value === "default" ? null : value);

export function topicConfigOptions(): Option[] {
  return [
    new Option("--partitions <n>", "number of partitions (alter: only grows)").argParser(parsePositiveCount),
    new Option(
      "--cleanup-policy <policy>",
      "delete: retention drops old records; compact: keep each key's latest",
    ).choices(["delete", "compact"]),
    new Option(
      "--retention <duration>",
      'delete topics: keep records this long (e.g. 7d; "default": the server\'s)',
    ).argParser(orDefault(parseDuration)),
    new Option(
      "--retention-bytes <size>",
      'delete topics: keep about this much per partition (e.g. 10GiB; "default")',
    ).argParser(orDefault(parseSize)),
    new Option(
      "--delete-retention <duration>",
      'compact topics: how long a tombstone stays (e.g. 1d; "default")',
    ).argParser(orDefault(parseDuration)),
  ];
}

export function topicConfig(flags: TopicConfigFlags): TopicConfig {
  const config: TopicConfig = {};
  if (flags.partitions !== undefined) config.partitions = flags.partitions;
  if (flags.cleanupPolicy !== undefined) config.cleanupPolicy = flags.cleanupPolicy;
  if (flags.retention !== undefined) config.retentionMs = setting(flags.retention);
  if (flags.retentionBytes !== undefined) config.retentionBytes = setting(flags.retentionBytes);
  if (flags.deleteRetention !== undefined) config.deleteRetentionMs = setting(flags.deleteRetention);
  return config;
}

export function noChange(config: TopicConfig): boolean {
  return Object.keys(config).length === 0;
}
