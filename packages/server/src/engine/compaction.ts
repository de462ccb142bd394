/**
 * One compaction pass over a stream (docs/kafka-layer.md, "Compaction"; the rules are
 * compaction-rules.ts): it reads the stream's whole units up to its cleanable end, learning
 * each key's latest record, then rewrites the units that hold records the rules let go, in
 * order, through the store. A pass advances in steps bounded by the bytes they read, so a
 * large backlog never crowds out appends; a later step carries on where the last stopped.
 * Nothing a pass does moves an offset or a seq.
 */
import { envelopeKey, isHole, isJsonContentType } from "@rivulet/protocol";
import type { Span } from "../store/compacted-unit.js";
import type { IndexEntry } from "../store/types.js";
import { decide, KeyIndex } from "./compaction-rules.js";
import type { IndexReads } from "./positions.js";
import { readRange } from "./reader.js";
import { forgetFramed } from "./records-ahead.js";
import type { StreamState } from "./stream-state.js";

export interface CompactionHost extends IndexReads {
  /** Ends of the stream's whole units from the one holding its earliest position (Store.headUnits). */
  unitEnds(stream: StreamState): Promise<number[]>;
  /** Rewrites a unit without `removed` (Store.compactUnit); the bytes freed. */
  compactUnit(stream: StreamState, unitEnd: number, removed: readonly Span[]): Promise<number>;
  now(): number;
}

export interface CompactionPolicy {
  /** How long a tombstone that is its key's latest record stays. */
  readonly deleteRetentionMs: number;
  /** Most keys a pass remembers; a pass stops short of the unit where more appear. */
  readonly maxKeys: number;
}

export interface PassProgress {
  readonly done: boolean;
  /** Bytes this step read. */
  readonly bytesRead: number;
  /** Units this step rewrote, and the bytes they freed. */
  readonly unitsRewritten: number;
  readonly bytesFreed: number;
}

interface Unit {
  readonly start: number;
  readonly end: number;
}

const NEWLINE = 0x0a;
const ENTRY_PAGE = 1024;

export class CompactionPass {
  private readonly keys = new KeyIndex();
  private units: Unit[] = [];
  private started = false;
  private scanAt = 0;
  /** The next unit to rewrite, once the scan is done. */
  private rewriteAt = 0;
  private scanned = false;
  /** When the earliest kept tombstone may go; undefined when none waits. */
  tombstoneDue: number | undefined;

  constructor(
    private readonly host: CompactionHost,
    readonly stream: StreamState,
    private readonly policy: CompactionPolicy,
  ) {}

  /** Where the pass ends: everything before it has been considered once it is done. */
  get end(): number {
    return this.units.at(-1)?.end ?? this.stream.earliest;
  }

  /** One step, reading about `budget` bytes. */
  async step(budget: number): Promise<PassProgress> {
    if (!this.started) await this.start();
    let bytesRead = 0;
    let unitsRewritten = 0;
    let bytesFreed = 0;
    while (bytesRead < budget && !this.done) {
      if (!this.scanned) {
        bytesRead += await this.scanSome(budget - bytesRead);
        continue;
      }
      const unit = this.units[this.rewriteAt++]!;
      bytesRead += unit.end - unit.start;
      const freed = await this.rewrite(unit);
      if (freed !== undefined) {
        unitsRewritten++;
        bytesFreed += freed;
      }
    }
    return { done: this.done, bytesRead, unitsRewritten, bytesFreed };
  }

  private get done(): boolean {
    return this.scanned && this.rewriteAt >= this.units.length;
  }

  /**
   * The units the pass may rewrite: whole ones of the stream's own, from the first that starts
   * at or after its earliest position (a unit retention cut into is left as it is).
   */
  private async start(): Promise<void> {
    this.started = true;
    const stream = this.stream;
    if (!isJsonContentType(stream.contentType)) return this.finish();
    const ends = await this.host.unitEnds(stream);
    for (let i = 0; i < ends.length; i++) {
      const start = i === 0 ? stream.base : ends[i - 1]!;
      if (start >= stream.earliest && start >= stream.base) this.units.push({ start, end: ends[i]! });
    }
    // The scan starts at a message boundary: records before the first unit still count (they
    // are never removed, and a key they hold keeps its tombstone).
    this.scanAt = Math.max(stream.earliest, stream.base);
    if (this.units.length === 0) this.finish();
  }

  private finish(): void {
    this.scanned = true;
    this.rewriteAt = this.units.length;
  }

  /** Reads on from `scanAt`, learning keys; returns the bytes read. */
  private async scanSome(budget: number): Promise<number> {
    const end = this.end;
    const from = this.scanAt;
    let limit = Math.max(1, budget);
    for (;;) {
      const to = Math.min(end, from + limit);
      const bytes = concat(await readRange(this.host, this.stream, from, to));
      const whole = to === end ? bytes.length : bytes.lastIndexOf(NEWLINE) + 1;
      if (whole === 0 && to < end) {
        limit *= 2; // one message larger than the budget
        continue;
      }
      this.learn(bytes.subarray(0, whole), from);
      this.scanAt = from + whole;
      if (this.scanAt >= end || this.keys.size > this.policy.maxKeys) this.endScan();
      return to - from;
    }
  }

  private learn(bytes: Uint8Array, at: number): void {
    let unit = this.unitIndexAt(at);
    for (let offset = 0; offset < bytes.length; ) {
      const nl = bytes.indexOf(NEWLINE, offset);
      if (nl === -1) break;
      const position = at + offset;
      const next = at + nl + 1;
      while (unit < this.units.length && this.units[unit]!.end <= position) unit++;
      if (!isHole(bytes, offset)) {
        const found = envelopeKey(bytes, offset, nl - 1);
        if (found) {
          const whole =
            unit < this.units.length && this.units[unit]!.start <= position && next <= this.units[unit]!.end;
          this.keys.see(found.key, position, whole);
        }
      }
      offset = nl + 1;
    }
  }

  /** The scan ends: at its end, or, when the keys outgrew the limit, at the last unit wholly scanned. */
  private endScan(): void {
    this.scanned = true;
    if (this.scanAt < this.end) this.units = this.units.filter((unit) => unit.end <= this.scanAt);
  }

  private unitIndexAt(position: number): number {
    let i = 0;
    while (i < this.units.length && this.units[i]!.end <= position) i++;
    return i;
  }

  /** Rewrites a unit if the rules remove anything from it; the bytes freed, undefined when untouched. */
  private async rewrite(unit: Unit): Promise<number | undefined> {
    const bytes = concat(await readRange(this.host, this.stream, unit.start, unit.end));
    const times = await this.appendTimes(unit);
    const now = this.host.now();
    const removed: Span[] = [];
    let entry = 0;
    let ts = 0;
    for (let offset = 0; offset < bytes.length; ) {
      const nl = bytes.indexOf(NEWLINE, offset);
      if (nl === -1) break;
      const position = unit.start + offset;
      while (entry < times.length && times[entry]!.position <= position) ts = times[entry++]!.ts;
      const whole = offset > 0 || (await this.startsMessage(unit.start));
      if (whole && !isHole(bytes, offset)) {
        const found = envelopeKey(bytes, offset, nl - 1);
        if (found) {
          const verdict = decide({ ...found, position, ts }, this.keys, now, this.policy.deleteRetentionMs);
          if (verdict.remove) removed.push({ start: position, end: unit.start + nl + 1 });
          else if (verdict.expires !== undefined)
            this.tombstoneDue = Math.min(this.tombstoneDue ?? verdict.expires, verdict.expires);
        }
      }
      offset = nl + 1;
    }
    if (removed.length === 0) return undefined;
    const freed = await this.host.compactUnit(this.stream, unit.end, removed);
    // Records framed ahead for a reader, of this stream or a fork of it, hold the messages just
    // removed.
    forgetFramed();
    return freed;
  }

  /** Whether a message starts right at `position` (not one straddling into the unit from before). */
  private async startsMessage(position: number): Promise<boolean> {
    if (position <= this.stream.base || position <= this.stream.earliest) return true;
    const [before] = await readRange(this.host, this.stream, position - 1, position);
    return before?.[0] === NEWLINE;
  }

  /** The index entries that give the append times of a unit's messages. */
  private async appendTimes(unit: Unit): Promise<IndexEntry[]> {
    const out: IndexEntry[] = [];
    let from = unit.start;
    for (;;) {
      const page = await this.host.seekStored(this.stream, { position: from }, ENTRY_PAGE);
      for (const entry of page) {
        if (entry.position >= unit.end) return out;
        if (out.length > 0 && entry.position <= out.at(-1)!.position) continue;
        out.push(entry);
      }
      if (page.length < ENTRY_PAGE) return out;
      from = page.at(-1)!.position + 1;
    }
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  return Buffer.concat(parts);
}
