/**
 * Retention in the background (docs/extensions.md, "Retention"): streams whose retention may
 * free something are due at a time; every tick frees what the due ones allow, bounded in work
 * (a few streams, a few units), so reclaiming a large backlog never crowds out appends. A
 * stream is due again once an append, a setting or a fork's removal may change what it can
 * free, or, for age-based retention, when its next unit's first message ages out. At start the
 * streams are visited once, a page per tick.
 */
import { effectiveRetention } from "@rivulet/protocol";
import type { Engine } from "../../engine/engine.js";
import type { Logger } from "../../ops/logger.js";

export interface ReclaimerOptions {
  readonly intervalMs: number;
  /** Streams checked per tick. */
  readonly maxStreams: number;
  /** Storage units freed per tick, over all streams. */
  readonly maxUnits: number;
}

/** Streams read per tick by the start-up visit. */
const SCAN_PAGE = 500;
/** After a failed trim (a full disk), how long before the stream is tried again. */
const RETRY_MS = 5_000;

export class Reclaimer {
  /** Path → when it is due (ms since the epoch); in the order paths became due. */
  private readonly due = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  /** Where the start-up visit is; undefined once it is done. */
  private scanAfter: string | undefined | null = null;
  private readonly stops: Array<() => void> = [];

  constructor(
    private readonly engine: Engine,
    private readonly options: ReclaimerOptions,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const { events } = this.engine;
    const soon = (path: string) => this.dueAt(path, this.engine.now());
    this.stops.push(
      events.on("appended", (event) => this.appended(event.path)),
      // Checking a stream loads it into memory here: a stream another node created or deleted is
      // checked once it is held here (`appended` above), not loaded on every notice.
      // A new stream without retention has nothing to free: queueing each one would hold a
      // million idle streams in `due` (and check each) after a bulk create.
      events.on("created", (event) => {
        if (!event.remote && this.mayFree(event.path)) soon(event.path);
      }),
      events.on("configured", (event) => soon(event.path)),
      events.on("deleted", (event) => {
        this.due.delete(event.path);
        if (event.remote) return;
        // Its source may now free what this fork read; a soft-deleted one keeps only what forks read.
        if (event.source !== undefined) soon(event.source);
        if (event.soft) soon(event.path);
      }),
    );
    this.timer = setInterval(() => {
      this.ticking ??= this.tick().finally(() => {
        this.ticking = undefined;
      });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const stop of this.stops.splice(0)) stop();
    await this.ticking;
  }

  /** Streams waiting to be checked (for tests and metrics). */
  get pending(): number {
    return this.due.size;
  }

  /** One round: the start-up visit's next page, then the due streams, within the bounds. */
  async tick(): Promise<void> {
    if (this.scanAfter !== undefined) {
      try {
        await this.scan();
      } catch (error) {
        // A store that cannot list now (a database restarting): the visit resumes next round.
        this.logger.warn({ err: String(error) }, "retention could not list streams; it tries again");
      }
    }
    const now = this.engine.now();
    let units = this.options.maxUnits;
    let streams = this.options.maxStreams;
    for (const [path, at] of [...this.due]) {
      if (streams === 0 || units === 0) break;
      if (at > now) continue;
      streams--;
      this.due.delete(path);
      try {
        const outcome = await this.engine.retain(path, units);
        if (!outcome) continue;
        units -= outcome.freed;
        if (outcome.due !== undefined) this.dueAt(path, outcome.due);
      } catch (error) {
        this.logger.warn({ path, err: String(error) }, "retention could not trim a stream; it tries again");
        this.dueAt(path, now + RETRY_MS);
      }
    }
  }

  private appended(path: string): void {
    const stream = this.engine.inMemory(path);
    if (!stream) return;
    const retention = this.engine.retentionOf(stream);
    // Size-based retention may free something after any append; age-based once it is checked.
    if (retention.bytes !== undefined) this.dueAt(path, this.engine.now());
    else if (retention.ms !== undefined && !this.due.has(path)) this.dueAt(path, this.engine.now());
  }

  /** Whether retention applies to the stream at `path` (one not in memory is checked to be safe). */
  private mayFree(path: string): boolean {
    const stream = this.engine.inMemory(path);
    if (!stream) return true;
    const retention = this.engine.retentionOf(stream);
    return retention.ms !== undefined || retention.bytes !== undefined || stream.softDeleted;
  }

  private dueAt(path: string, at: number): void {
    const known = this.due.get(path);
    if (known === undefined || at < known) this.due.set(path, at);
  }

  /** The start-up visit: every stream with something retention may free becomes due. */
  private async scan(): Promise<void> {
    const after = this.scanAfter ?? undefined;
    const page = await this.engine.list("", after, SCAN_PAGE);
    for (const stored of page.streams) {
      const retention = effectiveRetention(stored.meta.retention, this.engine.defaultRetention);
      const has = retention.ms !== undefined || retention.bytes !== undefined || stored.softDeleted;
      if (has && stored.tail > stored.earliest) this.dueAt(stored.meta.path, this.engine.now());
    }
    this.scanAfter = page.next;
  }
}
