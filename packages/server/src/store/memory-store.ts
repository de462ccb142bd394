/**
 * A store that keeps everything in process memory: fast, and gone on restart. Used by tests
 * and by `rivulet serve --store memory`. Each stream's bytes live in a growable buffer.
 */
import type { ProducerClaim, ProducerState } from "@rivulet/protocol";
import { StoreConflictError, StoreMissingError } from "./errors.js";
import { ForkRefs } from "./fork-refs.js";
import { PathIndex } from "./path-index.js";
import { applyRecord, type RecordTarget } from "./record-state.js";
import type { AppendRecord, ListQuery, Store, StoredStream, StreamMeta } from "./types.js";

const NO_BYTES = new Uint8Array(0);

class MemoryStream implements RecordTarget {
  bytes = NO_BYTES;
  tail: number;
  closed = false;
  closedBy: ProducerClaim | undefined = undefined;
  lastStreamSeq: string | undefined = undefined;
  producers: Map<string, ProducerState> | undefined = undefined;
  softDeleted = false;

  constructor(readonly meta: StreamMeta) {
    this.tail = this.base;
  }

  get base(): number {
    return this.meta.fork?.position ?? 0;
  }

  producerMap(): Map<string, ProducerState> {
    this.producers ??= new Map();
    return this.producers;
  }

  apply(record: AppendRecord): void {
    this.write(record.data);
    applyRecord(this, record);
  }

  stored(forks: number): StoredStream {
    return {
      meta: this.meta,
      tail: this.tail,
      closed: this.closed,
      closedBy: this.closedBy,
      lastStreamSeq: this.lastStreamSeq,
      producers: new Map(this.producers),
      softDeleted: this.softDeleted,
      forks,
    };
  }

  private write(data: Uint8Array): void {
    if (data.length === 0) return;
    const length = this.tail - this.base;
    const needed = length + data.length;
    if (needed > this.bytes.length) {
      const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2, 256));
      grown.set(this.bytes.subarray(0, length));
      this.bytes = grown;
    }
    this.bytes.set(data, length);
  }
}

export class MemoryStore implements Store {
  readonly description = "memory";
  readonly durability = "none (memory only, lost on restart)";
  private readonly streams = new Map<string, MemoryStream>();
  private readonly forks = new ForkRefs();
  private readonly index = new PathIndex((path) => this.streams.has(path));

  async open(): Promise<void> {}

  async lookup(path: string): Promise<StoredStream | undefined> {
    return this.streams.get(path)?.stored(this.forks.of(path));
  }

  async list({ prefix, after, limit }: ListQuery): Promise<StoredStream[]> {
    return this.index.page(prefix, after, limit).map((path) => this.streams.get(path)!.stored(this.forks.of(path)));
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
    const stream = new MemoryStream(meta);
    if (first) {
      checkPosition(stream, first);
      stream.apply(first);
    }
    this.streams.set(meta.path, stream);
    this.index.add(meta.path);
    this.forks.added(meta);
  }

  async append(path: string, record: AppendRecord): Promise<void> {
    const stream = this.get(path);
    checkPosition(stream, record);
    stream.apply(record);
  }

  async read(path: string, start: number, end: number): Promise<Uint8Array> {
    const stream = this.get(path);
    if (start < stream.base || end > stream.tail || start > end) {
      throw new RangeError(`Read [${start}, ${end}) outside stored range [${stream.base}, ${stream.tail}) of ${path}`);
    }
    // A copy: the buffer may be reallocated by a later append.
    return stream.bytes.slice(start - stream.base, end - stream.base);
  }

  async markDeleted(path: string): Promise<void> {
    this.get(path).softDeleted = true;
  }

  async remove(path: string): Promise<void> {
    const stream = this.streams.get(path);
    if (!stream) return;
    this.streams.delete(path);
    this.index.removed();
    this.forks.removed(stream.meta);
  }

  async close(): Promise<void> {}

  storedBytes(): number {
    let bytes = 0;
    for (const stream of this.streams.values()) bytes += stream.tail - stream.base;
    return bytes;
  }

  private get(path: string): MemoryStream {
    const stream = this.streams.get(path);
    if (!stream) throw new StoreMissingError(path);
    return stream;
  }
}

function checkPosition(stream: MemoryStream, record: AppendRecord): void {
  if (record.position !== stream.tail) {
    throw new StoreConflictError(
      stream.meta.path,
      "position",
      `Append at ${record.position} does not start at the stored tail ${stream.tail}`,
    );
  }
}
