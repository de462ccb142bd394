/**
 * The producer's wire: every partition's records of a linger window go out as **one** request
 * to the topic's produce endpoint (docs/kafka-layer.md, "Idempotent produce, per partition"),
 * each partition's share numbered as that partition's next idempotent batch. Requests are
 * pipelined (`maxInFlight`); a retry reuses its numbers, so a record lands exactly once; a
 * share that overtook the one before it (PRODUCER_SEQ_GAP) goes again once that one settled,
 * which keeps every partition — and so every key — in order. Partitions fail on their own.
 *
 * While every slot is busy the open window keeps filling, so under load requests grow toward
 * `batchBytes` per partition: fewer, larger requests for the same records on both ends.
 */
import { errorFromResponse, KafkaError } from "../errors.js";
import { backoffMs, type KafkaHttp, sleep } from "../http.js";
import type { ResolvedProducerOptions } from "./producer-options.js";
import { PartitionSeqs, type QueuedRecord, type RecordAnswer, Share } from "./share.js";

/** The server's default `maxRecordsPerRequest`: a request never carries more. */
export const MAX_RECORDS_PER_REQUEST = 10_000;

export class TopicSender {
  readonly #producerId = `kafka-${randomId()}`;
  readonly #url: string;
  readonly #partitions = new Map<number, PartitionSeqs>();
  /** The window being filled: one share per partition. */
  #open = new Map<number, Share>();
  #openRecords = 0;
  #linger: ReturnType<typeof setTimeout> | undefined;
  #lingerDue = false;
  /** Requests cut while every slot was busy, in the order their shares were numbered. */
  readonly #waiting: Share[][] = [];
  readonly #active = new Set<Promise<void>>();

  constructor(
    private readonly http: KafkaHttp,
    topic: string,
    private readonly options: ResolvedProducerOptions,
  ) {
    this.#url = http.api(`topics/${encodeURIComponent(topic)}/records`);
  }

  /** Queues a record for a partition; its promise settles with the server's answer for it. */
  add(partition: number, record: QueuedRecord): void {
    let share = this.#open.get(partition);
    if (share !== undefined && share.bytes + record.bytes > this.options.batchBytes) {
      this.#cut(true);
      share = this.#open.get(partition);
    }
    if (share === undefined) {
      share = new Share(partition);
      this.#open.set(partition, share);
    }
    share.add(record);
    this.#openRecords++;
    if (this.#openRecords >= MAX_RECORDS_PER_REQUEST) this.#cut(true);
    else this.#linger ??= setTimeout(() => this.#lingerExpired(), this.options.lingerMs);
  }

  /** Sends everything queued and waits until it is all settled (failures are the records' own). */
  async flush(): Promise<void> {
    for (;;) {
      this.#cut(true);
      if (this.#active.size === 0 && this.#open.size === 0) return;
      await Promise.race(this.#active);
    }
  }

  #lingerExpired(): void {
    this.#linger = undefined;
    if (this.#active.size < this.options.maxInFlight) this.#cut(false);
    else this.#lingerDue = true;
  }

  /**
   * Turns the open window into a request of the partitions that may go now (a partition whose
   * epoch has not landed yet keeps filling until it has). `force`: even when every slot is busy.
   */
  #cut(force: boolean): void {
    if (!force && this.#active.size >= this.options.maxInFlight) return;
    clearTimeout(this.#linger);
    this.#linger = undefined;
    this.#lingerDue = false;
    const shares: Share[] = [];
    for (const [partition, share] of this.#open) {
      const seqs = this.#seqs(partition);
      if (!seqs.mayAdd) continue;
      seqs.number(share);
      shares.push(share);
      this.#open.delete(partition);
      this.#openRecords -= share.records.length;
    }
    if (shares.length > 0) this.#waiting.push(shares);
    this.#pump();
    // Held partitions go when a request comes back: each waits on one in flight.
    if (this.#open.size > 0) this.#lingerDue = true;
  }

  #pump(): void {
    while (this.#waiting.length > 0 && this.#active.size < this.options.maxInFlight) {
      const shares = this.#waiting.shift()!;
      const delivery = this.#deliver(shares).finally(() => {
        this.#active.delete(delivery);
        this.#pump();
        if (this.#lingerDue) this.#cut(false);
      });
      this.#active.add(delivery);
    }
  }

  /** Sends shares until each has landed or failed; never throws. */
  async #deliver(shares: Share[]): Promise<void> {
    let pending = shares;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const outcomes = await this.#post(pending);
      const again: Share[] = [];
      let backoff: KafkaError | undefined;
      for (const [i, share] of pending.entries()) {
        const outcome = outcomes[i]!;
        if (!(outcome instanceof KafkaError)) {
          this.#settle(share, () => share.succeed(outcome));
        } else if (outcome.code === "PRODUCER_SEQ_GAP" && attempt <= this.options.retries) {
          // It overtook an earlier share of its partition: resend once those settled.
          const earlier = this.#seqs(share.partition).earlier(share);
          await Promise.all(earlier.map((other) => other.settled));
          const lost = earlier.find((other) => other.error !== undefined);
          if (lost) this.#settle(share, () => share.fail(lost.error!));
          else {
            if (earlier.length === 0) backoff ??= outcome;
            again.push(share);
          }
        } else if (outcome.isRetriable && attempt <= this.options.retries) {
          backoff ??= outcome;
          again.push(share);
        } else {
          this.#settle(share, () => share.fail(outcome));
        }
      }
      if (backoff && again.length > 0) {
        await sleep(backoffMs(this.options.retryBackoffMs, attempt, backoff.retryAfterMs));
      }
      pending = again;
    }
  }

  #settle(share: Share, how: () => void): void {
    how();
    this.#seqs(share.partition).settled(share);
  }

  /** One attempt: each share's record answers, or its error. */
  async #post(shares: readonly Share[]): Promise<(RecordAnswer[] | KafkaError)[]> {
    const texts: string[] = [];
    for (const share of shares) for (const record of share.records) texts.push(record.wire);
    const json = `[${texts.join(",")}]`;
    const headers: Record<string, string> = {
      "producer-id": this.#producerId,
      "producer-partitions": shares.map((s) => `${s.partition}:${s.epoch}:${s.seq}`).join(","),
    };
    let answers: RecordAnswer[];
    try {
      const gzipped = this.options.compression === "gzip";
      if (gzipped) headers["content-encoding"] = "gzip";
      const answer = await this.http.call<{ records: RecordAnswer[] }>("POST", this.#url, {
        ...(gzipped ? { bytes: await gzip(json) } : { json }),
        headers,
      });
      answers = answer.body.records;
    } catch (error) {
      const failure =
        error instanceof KafkaError
          ? error
          : new KafkaError("NETWORK", String(error), { isRetriable: true, cause: error });
      return shares.map(() => failure);
    }
    let at = 0;
    return shares.map((share) => {
      const mine = answers.slice(at, at + share.records.length);
      at += share.records.length;
      const refused = mine.find((answer) => answer.error !== undefined)?.error;
      // A 207: this partition's code as the error the whole answer would have been.
      return refused ? errorFromResponse(207, { error: refused }, null) : mine;
    });
  }

  #seqs(partition: number): PartitionSeqs {
    let seqs = this.#partitions.get(partition);
    if (seqs === undefined) {
      seqs = new PartitionSeqs();
      this.#partitions.set(partition, seqs);
    }
    return seqs;
  }
}

/** gzip with the platform's CompressionStream (Node, browsers, Deno, Bun, Workers). */
async function gzip(text: string): Promise<Uint8Array> {
  const compressed = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(compressed).arrayBuffer());
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
