/**
 * A durable, event-sourced log of a feature's state, kept in internal JSON streams written
 * through the engine — so every store (memory, file, shared ones to come) persists it the same
 * way, with the same durability as stream data. Subscriptions use it; topics and consumer
 * groups will too.
 *
 * - The owner applies a record to its memory state when it decides it, then `append`s it; the
 *   promise resolves once the record is durable, and only then does the owner act on it
 *   (write-ahead). Records submitted while a write is in flight share the next write.
 * - `open` replays the newest complete generation: its snapshot, then its records.
 * - Compaction writes a snapshot of the owner's state into generation n+1 — `begin`, entries,
 *   `end` — then deletes generation n. Records queued when it starts are already in the
 *   owner's state, so they are folded into the snapshot (`end` names the last sequence number
 *   it includes; replay skips records up to it). A crash part way leaves n+1 without `end`:
 *   the next open picks n and deletes n+1.
 * - A failed write fails the log: that record, every later one, and every append after it
 *   reject (the owner's memory is then ahead of what is durable; it reopens to recover).
 * - `stage` lets records be written by someone else, inside an atomic write with other streams
 *   (a transaction, docs/kafka-layer.md): in its turn the log hands over the stream and the
 *   body, writes nothing else until told whether it was written, and the owner applies the
 *   records only once it was. So they are durable exactly when the rest of the transaction is.
 */
import type { Engine } from "../../engine/engine.js";
import { batchBody, encodeLine } from "./codec.js";
import { generationPath, parseGeneration } from "./generations.js";
import { readGeneration } from "./reader.js";

export interface StateLogOwner<R> {
  /** Applies a snapshot entry or a record while the log is replayed. */
  replay(entry: R): void;
  /** Entries that rebuild the present state through `replay`, for compaction. */
  snapshot(): Iterable<R>;
}

export interface StateLogOptions {
  readonly engine: Engine;
  /** Full path under which the generations live, e.g. `/v1/stream/__ds/state/subscriptions`. */
  readonly root: string;
  /** Records past the last snapshot before compacting (and at least as many as the snapshot had). */
  readonly compactAfterRecords: number;
  /** Largest body of one write (default 1 MiB); one record larger than it is written alone. */
  readonly maxBatchBytes?: number;
  /** A compaction failed (the log carries on in its current generation and tries again later). */
  readonly onCompactionError?: (error: unknown) => void;
}

interface Pending<R> {
  readonly kind: "record";
  readonly seq: number;
  readonly record: R;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Records another writer appends (stage): handed over in their turn. */
interface Staged<R> {
  readonly kind: "staged";
  readonly records: ReadonlyArray<{ readonly seq: number; readonly record: R }>;
  readonly resolve: (write: StagedWrite) => void;
  readonly reject: (error: unknown) => void;
}

type Queued<R> = Pending<R> | Staged<R>;

/**
 * Staged records, handed over to be appended as part of another write. Until `settle` is
 * called the log writes nothing else, so it must always be called.
 */
export interface StagedWrite {
  /** The internal stream to append to. */
  readonly path: string;
  /** The append's body (JSON): the records as log lines, one message each. */
  readonly body: Uint8Array;
  /**
   * `true` once the body is durable in `path` (apply the records to the owner's state first,
   * so a compaction after this includes them); `false` when it was not written.
   */
  settle(written: boolean): void;
}

const JSON_TYPE = "application/json";
/** The generation number of a log that has no generation yet. */
const NONE = 0;

export class StateLog<R> {
  private owner: StateLogOwner<R> | undefined;
  private generation = 0;
  /** Highest generation ever used (an unfinished compaction's included), so numbers never repeat. */
  private highestGeneration = 0;
  private seq = 0;
  private sinceSnapshot = 0;
  private snapshotSize = 0;
  private compactAt: number;
  private queue: Array<Queued<R>> = [];
  private flushing: Promise<void> | undefined;
  private failure: unknown;
  private closed = false;
  private readonly maxBatchBytes: number;

  constructor(private readonly options: StateLogOptions) {
    this.maxBatchBytes = options.maxBatchBytes ?? 1 << 20;
    this.compactAt = options.compactAfterRecords;
  }

  /** Replays the newest complete generation into `owner` and deletes every other one. */
  async open(owner: StateLogOwner<R>): Promise<void> {
    this.owner = owner;
    this.failure = undefined;
    this.closed = false;
    const generations = await this.listGenerations();
    this.highestGeneration = generations[0] ?? 0;
    let chosen: number | undefined;
    for (const generation of generations) {
      const read = await readGeneration<R>(this.options.engine, generationPath(this.options.root, generation));
      if (!read.complete) continue;
      chosen = generation;
      for (const entry of read.snapshot) owner.replay(entry);
      for (const { record } of read.records) owner.replay(record);
      this.seq = Math.max(read.upTo, read.records.at(-1)?.seq ?? 0);
      this.sinceSnapshot = read.records.length;
      this.snapshotSize = read.snapshot.length;
      break;
    }
    for (const generation of generations) if (generation !== chosen) await this.remove(generation);
    if (chosen === undefined) {
      // Nothing written yet: the first record creates the first generation (a server that never
      // uses the feature writes nothing).
      this.seq = 0;
      this.sinceSnapshot = 0;
      this.snapshotSize = 0;
    }
    this.generation = chosen ?? NONE;
    this.compactAt = Math.max(this.options.compactAfterRecords, this.snapshotSize);
  }

  /** Makes `record` durable (after every record appended before it); it is already in the owner's state. */
  append(record: R): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closed || !this.owner) return Promise.reject(new Error("the state log is not open"));
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.queue.push({ kind: "record", seq, record, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /**
   * Stages `records` for another writer to append (see StagedWrite): resolves, after every
   * record queued before them is durable, with the stream and the body. Unlike `append`, the
   * records are not yet in the owner's state: the owner applies them once they are written.
   */
  stage(records: readonly R[]): Promise<StagedWrite> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closed || !this.owner) return Promise.reject(new Error("the state log is not open"));
    const numbered = records.map((record) => ({ seq: ++this.seq, record }));
    return new Promise((resolve, reject) => {
      this.queue.push({ kind: "staged", records: numbered, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /** Why the log failed, if it did (then every append rejects until it is opened again). */
  get failed(): unknown {
    return this.failure;
  }

  /** The generation records go to; 0 until the first record is written. */
  get currentGeneration(): number {
    return this.generation;
  }

  /** Waits for queued records to be written; later appends reject. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flushing;
  }

  /**
   * Writes queued records until none is left. `flushing` is cleared in the same synchronous
   * step that finds the queue empty, so an append never waits on a flush that has finished.
   */
  private async flush(): Promise<void> {
    // Let records decided in the same turn of the event loop share this write.
    await Promise.resolve();
    try {
      while (this.queue.length > 0 && this.failure === undefined) {
        const head = this.queue[0]!;
        if (head.kind === "staged") {
          this.queue.shift();
          await this.handOver(head);
          continue;
        }
        // Staged records are not in the owner's state yet, so no snapshot is taken while any wait.
        if (this.sinceSnapshot >= this.compactAt && !this.queue.some((item) => item.kind === "staged")) {
          await this.compact();
          continue;
        }
        const batch = this.takeBatch();
        try {
          if (this.generation === NONE) await this.startFirstGeneration(batch.lines);
          else await this.write(generationPath(this.options.root, this.generation), batch.lines);
        } catch (error) {
          this.fail(error, batch.items);
          return;
        }
        this.sinceSnapshot += batch.items.length;
        for (const item of batch.items) item.resolve();
      }
    } finally {
      this.flushing = undefined;
    }
  }

  /** Hands staged records over and waits until they are written or not; nothing else is written meanwhile. */
  private async handOver(staged: Staged<R>): Promise<void> {
    if (this.generation === NONE) {
      try {
        await this.startFirstGeneration([]);
      } catch (error) {
        staged.reject(error);
        this.fail(error, []);
        return;
      }
    }
    const lines = staged.records.map(({ seq, record }) => encodeLine({ kind: "record", seq, record }));
    const path = generationPath(this.options.root, this.generation);
    const written = await new Promise<boolean>((settle) => staged.resolve({ path, body: batchBody(lines), settle }));
    if (written) this.sinceSnapshot += staged.records.length;
  }

  private takeBatch(): { items: Array<Pending<R>>; lines: string[] } {
    const items: Array<Pending<R>> = [];
    const lines: string[] = [];
    let bytes = 0;
    while (this.queue.length > 0) {
      const item = this.queue[0]!;
      if (item.kind === "staged") break;
      const line = encodeLine({ kind: "record", seq: item.seq, record: item.record });
      if (items.length > 0 && bytes + line.length > this.maxBatchBytes) break;
      this.queue.shift();
      items.push(item);
      lines.push(line);
      bytes += line.length + 1;
    }
    return { items, lines };
  }

  private async compact(): Promise<void> {
    // Only while no staged records wait (flush): every queued record is in the owner's state.
    const folded = this.queue.splice(0) as Array<Pending<R>>;
    const upTo = this.seq;
    const entries = [...this.owner!.snapshot()].map((entry) => encodeLine<R>({ kind: "snapshot", entry }));
    const previous = this.generation;
    const next = this.highestGeneration + 1;
    this.highestGeneration = next;
    try {
      await this.createGeneration(next, [...entries, encodeLine<R>({ kind: "end", upTo })]);
    } catch (error) {
      // Carry on in the current generation: the folded records are written there after all.
      this.queue.unshift(...folded);
      this.compactAt = this.sinceSnapshot + this.options.compactAfterRecords;
      this.options.onCompactionError?.(error);
      void this.remove(next).catch(() => {});
      return;
    }
    this.generation = next;
    this.sinceSnapshot = 0;
    this.snapshotSize = entries.length;
    this.compactAt = Math.max(this.options.compactAfterRecords, entries.length);
    // A leftover previous generation is harmless (the next open deletes it), so a failed removal is only reported.
    await this.remove(previous).catch((error: unknown) => this.options.onCompactionError?.(error));
    for (const item of folded) item.resolve();
  }

  /** The first records of an empty log: a generation with an empty snapshot, then them. */
  private async startFirstGeneration(lines: readonly string[]): Promise<void> {
    const generation = this.highestGeneration + 1;
    this.highestGeneration = generation;
    await this.createGeneration(generation, [encodeLine<R>({ kind: "end", upTo: 0 }), ...lines]);
    this.generation = generation;
  }

  /** A generation's stream: `begin`, then `lines` in writes of at most maxBatchBytes. */
  private async createGeneration(generation: number, lines: readonly string[]): Promise<void> {
    const path = generationPath(this.options.root, generation);
    const begin = encodeLine<R>({ kind: "begin", generation });
    const { created } = await this.options.engine.create(path, {
      contentType: JSON_TYPE,
      lifetime: {},
      retention: {},
      closed: false,
      body: batchBody([begin]),
      fork: undefined,
    });
    // An existing stream here would be a generation already in use: never write into it.
    if (!created) throw new Error(`state log generation ${path} already exists`);
    let batch: string[] = [];
    let bytes = 0;
    for (const line of lines) {
      if (batch.length > 0 && bytes + line.length > this.maxBatchBytes) {
        await this.write(path, batch);
        batch = [];
        bytes = 0;
      }
      batch.push(line);
      bytes += line.length + 1;
    }
    if (batch.length > 0) await this.write(path, batch);
  }

  private async write(path: string, lines: readonly string[]): Promise<void> {
    await this.options.engine.append(path, {
      body: batchBody(lines),
      hasBody: true,
      contentType: JSON_TYPE,
      close: false,
      streamSeq: undefined,
      producer: undefined,
    });
  }

  private fail(error: unknown, batch: ReadonlyArray<Queued<R>>): void {
    this.failure = error;
    for (const item of [...batch, ...this.queue.splice(0)]) item.reject(error);
  }

  private async listGenerations(): Promise<number[]> {
    const found: number[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.options.engine.store.list({ prefix: `${this.options.root}/`, after, limit: 1000 });
      for (const stream of page) {
        const generation = parseGeneration(this.options.root, stream.meta.path);
        if (generation !== undefined && !stream.softDeleted) found.push(generation);
      }
      if (page.length < 1000) break;
      after = page[page.length - 1]!.meta.path;
    }
    return found.sort((a, b) => b - a);
  }

  private async remove(generation: number): Promise<void> {
    try {
      await this.options.engine.delete(generationPath(this.options.root, generation));
    } catch (error) {
      if ((error as { code?: string }).code !== "STREAM_NOT_FOUND") throw error;
    }
  }
}
