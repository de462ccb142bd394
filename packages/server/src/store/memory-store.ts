/**
 * A store that keeps everything in process memory: fast, and gone on restart. Used by tests
 * and by `rivulet serve --store memory`. Each stream's bytes live in a growable buffer.
 */
import type { ProducerClaim, ProducerState } from "@rivulet/protocol";
import type { AppendRecord, Store, StoredStream, StreamMeta } from "./types.js";

const NO_BYTES = new Uint8Array(0);

class MemoryStream {
  bytes = NO_BYTES;
  length = 0;
  closed = false;
  closedBy: ProducerClaim | undefined = undefined;
  lastStreamSeq: string | undefined = undefined;
  producers: Map<string, ProducerState> | undefined = undefined;
  softDeleted = false;

  constructor(readonly meta: StreamMeta) {}

  get base(): number {
    return this.meta.fork?.position ?? 0;
  }

  get tail(): number {
    return this.base + this.length;
  }

  apply(record: AppendRecord): void {
    this.write(record.data);
    if (record.producer) {
      this.producers ??= new Map();
      this.producers.set(record.producer.id, { epoch: record.producer.epoch, lastSeq: record.producer.seq });
    }
    if (record.streamSeq !== undefined) this.lastStreamSeq = record.streamSeq;
    if (record.close) {
      this.closed = true;
      this.closedBy = record.producer;
    }
  }

  private write(data: Uint8Array): void {
    if (data.length === 0) return;
    const needed = this.length + data.length;
    if (needed > this.bytes.length) {
      const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2, 256));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(data, this.length);
    this.length = needed;
  }
}

export class MemoryStore implements Store {
  readonly description = "memory";
  readonly durability = "none (memory only, lost on restart)";
  private readonly streams = new Map<string, MemoryStream>();

  async open(): Promise<StoredStream[]> {
    return [];
  }

  async create(meta: StreamMeta, first: AppendRecord | undefined): Promise<void> {
    if (this.streams.has(meta.path)) throw new Error(`Stream already stored: ${meta.path}`);
    const stream = new MemoryStream(meta);
    if (first) {
      checkPosition(stream, first);
      stream.apply(first);
    }
    this.streams.set(meta.path, stream);
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
    this.streams.delete(path);
  }

  async close(): Promise<void> {}

  storedBytes(): number {
    let bytes = 0;
    for (const stream of this.streams.values()) bytes += stream.length;
    return bytes;
  }

  private get(path: string): MemoryStream {
    const stream = this.streams.get(path);
    if (!stream) throw new Error(`No stored stream at ${path}`);
    return stream;
  }
}

function checkPosition(stream: MemoryStream, record: AppendRecord): void {
  if (record.position !== stream.tail) {
    throw new Error(`Append at ${record.position} does not start at the stored tail ${stream.tail}`);
  }
}
