/**
 * A topic's partition streams through the engine: created with the retention the topic's
 * config gives them, reconfigured when it changes, deleted with it (PROTOCOL §4.2: a partition
 * that forks still read is soft-deleted and kept for them). Every step is idempotent, so a
 * restart can run it again on what a crash left.
 */
import { ProtocolError, type Retention, type TopicConfig } from "@rivulet/protocol";
import type { Engine } from "../../../engine/engine.js";
import type { TopicPaths } from "../paths.js";

/**
 * Retention a compacted topic's partitions get: compaction is what shrinks them, so they keep
 * everything whatever the server's default (2^53 - 1 ms and bytes, i.e. forever).
 */
export const KEEP_EVERYTHING: Retention = Object.freeze({
  ms: Number.MAX_SAFE_INTEGER,
  bytes: Number.MAX_SAFE_INTEGER,
});

export function partitionRetention(config: TopicConfig): Retention {
  if (config.cleanupPolicy === "compact") return KEEP_EVERYTHING;
  return {
    ...(config.retentionMs === undefined ? {} : { ms: config.retentionMs }),
    ...(config.retentionBytes === undefined ? {} : { bytes: config.retentionBytes }),
  };
}

export class Partitions {
  constructor(
    private readonly engine: Engine,
    private readonly paths: TopicPaths,
  ) {}

  /** The first partition path in [from, to) that some stream already occupies (a deleted one forks hold included). */
  async occupied(name: string, from: number, to: number): Promise<string | undefined> {
    for (let p = from; p < to; p++) {
      const path = this.paths.partition(name, p);
      if (await this.engine.stream(path)) return path;
    }
    return undefined;
  }

  /** Ensures partitions [0, count) exist with the config's retention. */
  async ensure(name: string, config: TopicConfig): Promise<void> {
    const retention = partitionRetention(config);
    for (let p = 0; p < config.partitions; p++) {
      const path = this.paths.partition(name, p);
      const existing = await this.engine.stream(path);
      if (existing && !existing.softDeleted && this.engine.holds(existing)) {
        if (!sameRetention(existing.meta.retention, retention)) await this.engine.configureRetention(path, retention);
        continue;
      }
      await this.engine.create(path, {
        contentType: "application/json",
        lifetime: {},
        retention,
        closed: false,
        body: new Uint8Array(0),
        fork: undefined,
      });
    }
  }

  /** Deletes partitions [0, count): those already gone are no error. */
  async remove(name: string, count: number): Promise<void> {
    for (let p = 0; p < count; p++) {
      try {
        await this.engine.delete(this.paths.partition(name, p));
      } catch (error) {
        const code = error instanceof ProtocolError ? error.code : undefined;
        if (code !== "STREAM_NOT_FOUND" && code !== "STREAM_GONE") throw error;
      }
    }
  }
}

function sameRetention(a: Retention, b: Retention): boolean {
  return a.ms === b.ms && a.bytes === b.bytes;
}
