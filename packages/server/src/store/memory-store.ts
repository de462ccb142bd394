/**
 * A store that keeps everything in process memory: fast, and gone on restart. Used by tests
 * and by `rivulet serve --store memory`. Each stream's bytes live in fixed-size units (freed
 * whole from the head by retention) beside an in-memory append index.
 */
import { isJsonContentType, type ProducerClaim, type ProducerState, type Retention } from "@rivulet/protocol";
import { indexEntriesOf } from "./append-index.js";
import type { Span } from "./compacted-unit.js";
import { StoreConflictError, StoreMissingError, StoreTrimmedError } from "./errors.js";
import { ForkRefs } from "./fork-refs.js";
import { MemoryIndex } from "./memory-index.js";
import { MemoryUnits } from "./memory-units.js";
import { PathIndex } from "./path-index.js";
import { identityConflict } from "./record-identity.js";
import { applyRecord, type RecordTarget, snapshot } from "./record-state.js";
import { compactMeta, metaWith } from "./stream-meta.js";
import type {
  AppendRecord,
  AtomicPart,
  IndexEntry,
  IndexKey,
  ListQuery,
  Store,
  StoredStream,
  StreamMeta,
  StreamProbe,
} from "./types.js";

export interface MemoryStoreOptions {
  /** Bytes per storage unit: retention frees memory in whole units (default 1 MiB). */
  readonly unitBytes?: number;
}

class MemoryStream implements RecordTarget {
  tail: number;
  earliest: number;
  nextSeq: number;
  lastTs: number;
  closed = false;
  closedBy: ProducerClaim | undefined = undefined;
  lastStreamSeq: string | undefined = undefined;
  producers: Map<string, ProducerState> | undefined = undefined;
  softDeleted = false;
  /** Set by `touch` only (servers sharing this store); undefined keeps lookups as they were. */
  lastAccess: number | undefined = undefined;
  readonly units: MemoryUnits;
  readonly index = new MemoryIndex();
  private readonly json: boolean;

  constructor(
    public meta: StreamMeta,
    unitBytes: number,
  ) {
    this.tail = this.base;
    this.earliest = meta.inherited?.earliest ?? this.base;
    this.nextSeq = meta.inherited?.seq ?? 0;
    this.lastTs = meta.inherited?.ts ?? 0;
    this.units = new MemoryUnits(unitBytes);
    this.json = isJsonContentType(meta.contentType);
  }

  get base(): number {
    return this.meta.fork?.position ?? 0;
  }

  producerMap(): Map<string, ProducerState> {
    this.producers ??= new Map();
    return this.producers;
  }

  apply(record: AppendRecord): void {
    this.index.add(indexEntriesOf(this, record, this.json));
    if (record.data.length > 0) this.units.write(record.data);
    applyRecord(this, record);
  }

  trim(earliest: number): void {
    this.earliest = earliest;
    this.units.freeBelow(earliest - this.base);
    this.index.trim(earliest);
  }

  stored(forks: number): StoredStream {
    const stored = snapshot(this, forks);
    return this.lastAccess === undefined ? stored : { ...stored, lastAccess: this.lastAccess };
  }
}

export class MemoryStore implements Store {
  readonly description = "memory";
  readonly durability = "none (memory only, lost on restart)";
  private readonly streams = new Map<string, MemoryStream>();
  private readonly forks = new ForkRefs();
  private readonly unitBytes: number;
  private readonly paths = new PathIndex((path) => this.streams.has(path));

  constructor(options: MemoryStoreOptions = {}) {
    this.unitBytes = options.unitBytes ?? 1 << 20;
  }

  async open(): Promise<void> {}

  async lookup(path: string): Promise<StoredStream | undefined> {
    return this.streams.get(path)?.stored(this.forks.of(path));
  }

  async probe(path: string): Promise<StreamProbe | undefined> {
    const stream = this.streams.get(path);
    if (!stream) return undefined;
    const { meta, tail, earliest, closed, softDeleted } = stream;
    return { createdAt: meta.createdAt, tail, earliest, closed, softDeleted };
  }

  async list({ prefix, after, limit }: ListQuery): Promise<StoredStream[]> {
    return this.paths.page(prefix, after, limit).map((path) => this.streams.get(path)!.stored(this.forks.of(path)));
  }

  async forksOf(path: string): Promise<StoredStream[]> {
    return [...this.forks.pathsOf(path)].map((fork) => this.streams.get(fork)!.stored(this.forks.of(fork)));
  }

  async withLifetime(): Promise<StoredStream[]> {
    const found: StoredStream[] = [];
    for (const [path, stream] of this.streams) {
      const { ttlSeconds, expiresAt } = stream.meta.lifetime;
      if (ttlSeconds !== undefined || expiresAt !== undefined) found.push(stream.stored(this.forks.of(path)));
    }
    return found;
  }

  count(): number {
    return this.streams.size;
  }

  async create(meta: StreamMeta, first: AppendRecord | undefined): Promise<void> {
    if (this.streams.has(meta.path)) {
      throw new StoreConflictError(meta.path, "exists", `Stream already stored: ${meta.path}`);
    }
    const stream = new MemoryStream(compactMeta(meta), this.unitBytes);
    if (first) {
      checkPosition(stream, first);
      stream.apply(first);
    }
    this.streams.set(meta.path, stream);
    this.paths.add(meta.path);
    this.forks.added(meta);
  }

  async append(path: string, record: AppendRecord): Promise<void> {
    const stream = this.get(path);
    checkPosition(stream, record);
    stream.apply(record);
  }

  async appendAtomic(parts: readonly AtomicPart[]): Promise<void> {
    // Every part is checked before any is applied: a refused unit changes nothing.
    const tails = new Map<MemoryStream, number>();
    const streams = parts.map(({ path, record }) => {
      const stream = this.get(path);
      const tail = tails.get(stream) ?? stream.tail;
      if (record.position !== tail) throw positionConflict(path, record.position, tail);
      checkOpen(stream);
      checkIdentity(stream, record);
      tails.set(stream, record.position + record.data.length);
      return stream;
    });
    for (const [i, stream] of streams.entries()) stream.apply(parts[i]!.record);
  }

  async read(path: string, start: number, end: number): Promise<Uint8Array> {
    const stream = this.get(path);
    if (start < stream.base || end > stream.tail || start > end) {
      throw new RangeError(`Read [${start}, ${end}) outside stored range [${stream.base}, ${stream.tail}) of ${path}`);
    }
    if (start < stream.earliest) throw new StoreTrimmedError(path, stream.earliest);
    return stream.units.read(start - stream.base, end - stream.base);
  }

  async seek(path: string, key: IndexKey, limit: number): Promise<IndexEntry[]> {
    return this.get(path).index.seek(key, limit);
  }

  async headUnits(path: string, limit: number): Promise<number[]> {
    const stream = this.get(path);
    const size = this.unitBytes;
    const ends: number[] = [];
    for (let k = Math.floor((stream.earliest - stream.base) / size); ends.length < limit; k++) {
      const end = stream.base + (k + 1) * size;
      if (end > stream.tail) break;
      ends.push(end);
    }
    return ends;
  }

  async trim(path: string, earliest: number): Promise<void> {
    const stream = this.get(path);
    if (earliest < stream.earliest || earliest > stream.tail) {
      throw new RangeError(`Trim of ${path} to ${earliest} outside [${stream.earliest}, ${stream.tail}]`);
    }
    stream.trim(earliest);
  }

  async compactUnit(path: string, unitEnd: number, removed: readonly Span[]): Promise<number> {
    const stream = this.get(path);
    const end = unitEnd - stream.base;
    if (end % this.unitBytes !== 0 || unitEnd > stream.tail) {
      throw new RangeError(`${unitEnd} is not the end of a whole unit of ${path}`);
    }
    const start = unitEnd - this.unitBytes;
    if (start < stream.earliest) return 0;
    const relative = removed.map((span) => ({ start: span.start - start, end: span.end - start }));
    return stream.units.compact(end / this.unitBytes - 1, relative);
  }

  async configure(path: string, retention: Retention): Promise<void> {
    const stream = this.get(path);
    stream.meta = metaWith(stream.meta, { retention });
  }

  async touch(path: string, at: number): Promise<void> {
    const stream = this.streams.get(path);
    if (stream && !(at <= (stream.lastAccess ?? 0))) stream.lastAccess = at;
  }

  async markDeleted(path: string): Promise<void> {
    this.get(path).softDeleted = true;
  }

  async remove(path: string): Promise<void> {
    const stream = this.streams.get(path);
    if (!stream) return;
    this.streams.delete(path);
    this.paths.removed();
    this.forks.removed(stream.meta);
  }

  async close(): Promise<void> {}

  storedBytes(): number {
    let bytes = 0;
    for (const stream of this.streams.values()) {
      bytes += stream.tail - Math.max(stream.earliest, stream.base) - stream.units.freed;
    }
    return bytes;
  }

  private get(path: string): MemoryStream {
    const stream = this.streams.get(path);
    if (!stream) throw new StoreMissingError(path);
    return stream;
  }
}

function checkPosition(stream: MemoryStream, record: AppendRecord): void {
  if (record.position !== stream.tail) throw positionConflict(stream.meta.path, record.position, stream.tail);
  checkOpen(stream);
  checkIdentity(stream, record);
}

function checkIdentity(stream: MemoryStream, record: AppendRecord): void {
  const conflict = identityConflict(stream.meta, record);
  if (conflict) throw conflict;
}

/** A server that decided on a stale view of a stream another one closed meets the closure here. */
function checkOpen(stream: MemoryStream): void {
  if (stream.closed) {
    throw new StoreConflictError(stream.meta.path, "position", `Append to ${stream.meta.path} after its close`);
  }
}

function positionConflict(path: string, position: number, tail: number): StoreConflictError {
  return new StoreConflictError(path, "position", `Append at ${position} does not start at the stored tail ${tail}`);
}
