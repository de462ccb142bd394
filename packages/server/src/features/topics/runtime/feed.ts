/**
 * The change feed (docs/kafka-layer.md, "Change feed"): every topic change, once durable, is
 * appended to the plain JSON stream `{base}/{prefix}/__changes` as a State Protocol change
 * message whose `txid` is the change's revision, so tools tail topology changes with ordinary
 * reads. The feed is derived from the state log, never the other way round: a change the feed
 * missed (a crash between the two, a full disk) is written later — at the next change or the
 * next start, the feed's last revision tells what it lacks — and a consumer materializing it
 * sees each topic's current state. It is compacted like a compacted topic.
 */
import { isHole, ProtocolError } from "@rivulet/protocol";
import type { Engine } from "../../../engine/engine.js";
import { readRange } from "../../../engine/reader.js";
import type { Logger } from "../../../ops/logger.js";
import type { Topic } from "../state/model.js";
import { type FeedOperation, feedMessage } from "../views.js";
import { KEEP_EVERYTHING } from "./partitions.js";

/** Bytes read back from the feed's tail to find its last message (topic changes are small). */
const TAIL_READ = 64 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface FeedChange {
  readonly topic: Topic;
  readonly operation: FeedOperation;
}

export class ChangeFeed {
  /** The last revision known to be in the feed; undefined until read. */
  private written: number | undefined;

  constructor(
    private readonly engine: Engine,
    readonly path: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Appends the changes the feed lacks (revisions above its last one), in revision order.
   * Never throws: says whether the feed now has them all (what it could not write is written
   * at a later call).
   */
  async publish(changes: readonly FeedChange[]): Promise<boolean> {
    try {
      this.written ??= await this.lastRevision();
      const last = this.written;
      const missing = changes
        .filter((c) => c.topic.revision > last)
        .sort((a, b) => a.topic.revision - b.topic.revision);
      if (missing.length === 0) return true;
      await this.ensureStream();
      const now = this.engine.now();
      const body = missing.map((c) => feedMessage(c.topic, c.operation, now));
      await this.engine.append(this.path, {
        body: encoder.encode(JSON.stringify(body)),
        hasBody: true,
        contentType: "application/json",
        close: false,
        streamSeq: undefined,
        producer: undefined,
      });
      this.written = missing.at(-1)!.topic.revision;
      return true;
    } catch (error) {
      this.written = undefined;
      this.logger.warn({ err: String(error), path: this.path }, "the topic change feed is behind; it catches up later");
      return false;
    }
  }

  /** The revision of the feed's last message; 0 when there is none (or it is not one of ours). */
  private async lastRevision(): Promise<number> {
    const stream = await this.engine.stream(this.path);
    if (!stream || stream.softDeleted || stream.tail === stream.earliest) return 0;
    const from = Math.max(stream.earliest, stream.tail - TAIL_READ);
    const parts = await readRange(this.engine, stream, from, stream.tail);
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    // Messages end in ",\n": walk back from the last one, past holes, to a whole one.
    let end = bytes.length - 1;
    while (end > 0) {
      const start = bytes.lastIndexOf(0x0a, end - 1) + 1;
      if (start === 0 && from > stream.earliest) return 0;
      if (!isHole(bytes, start)) return revisionIn(decoder.decode(bytes.subarray(start, end - 1)));
      end = start - 1;
    }
    return 0;
  }

  private async ensureStream(): Promise<void> {
    try {
      await this.engine.get(this.path, false);
    } catch (error) {
      if (!(error instanceof ProtocolError) || error.code !== "STREAM_NOT_FOUND") throw error;
      // Compaction keeps it small; retention would lose topics that never change again.
      await this.engine.create(this.path, {
        contentType: "application/json",
        lifetime: {},
        retention: KEEP_EVERYTHING,
        closed: false,
        body: new Uint8Array(0),
        fork: undefined,
      });
    }
  }
}

function revisionIn(text: string): number {
  try {
    const revision = Number((JSON.parse(text) as { headers?: { txid?: unknown } }).headers?.txid);
    return Number.isSafeInteger(revision) && revision > 0 ? revision : 0;
  } catch {
    return 0;
  }
}
