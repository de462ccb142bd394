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
import { PartitionSeqs, type QueuedRecord, type RecordAnswer, Share, type ShareAnswer } from "./share.js";

/** The server's default `maxRecordsPerRequest`: a request never carries more. */
export const MAX_RECORDS_PER_REQUEST = 10_000;

/** The produce endpoint's answer: per share when asked for (and understood), else per record. */
interface ProduceAnswer {
  partitions?: ShareAnswer[];
  records?: RecordAnswer[];
}

/** A share's answer, in the form the server gave it. */
type Answered = { share: ShareAnswer; records?: undefined } | { share?: undefined; records: RecordAnswer[] };

export class TopicSender {
  readonly #producerId = `kafka-${randomId()}`;
  readonly #url: string;
  readonly #partitions = new Map<number, PartitionSeqs>();
  /**
   * The window being filled: per partition, its shares oldest first, the last one filling. A
   * partition holds more than one only while it may not send (its epoch's first share is in
   * flight) and the share before is full.
   */
  readonly #open = new Map<number, Share[]>();
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
    let share = this.#open.get(partition)?.at(-1);
    if (share !== undefined && this.#full(share, record)) {
      this.#cut(true);
      share = this.#open.get(partition)?.at(-1);
      // Still there: the partition may not send yet, so the next share queues behind it.
      if (share !== undefined && this.#full(share, record)) share = undefined;
    }
    if (share === undefined) {
      share = new Share(partition);
      const shares = this.#open.get(partition);
      if (shares) shares.push(share);
      else this.#open.set(partition, [share]);
    }
    share.add(record);
    this.#linger ??= setTimeout(() => this.#lingerExpired(), this.options.lingerMs);
  }

  /** Sends everything queued and waits until it is all settled (failures are the records' own). */
  async flush(): Promise<void> {
    for (;;) {
      this.#cut(true);
      if (this.#active.size === 0 && this.#open.size === 0) return;
      await Promise.race(this.#active);
    }
  }

  #full(share: Share, record: QueuedRecord): boolean {
    return share.bytes + record.bytes > this.options.batchBytes || share.records.length >= MAX_RECORDS_PER_REQUEST;
  }

  #lingerExpired(): void {
    this.#linger = undefined;
    if (this.#active.size < this.options.maxInFlight) this.#cut(false);
    else this.#lingerDue = true;
  }

  /**
   * Turns the open window into requests of the shares that may go now (a partition whose
   * epoch has not landed yet keeps filling until it has). A request names each partition once
   * and holds at most MAX_RECORDS_PER_REQUEST records. `force`: even when every slot is busy.
   */
  #cut(force: boolean): void {
    if (!force && this.#active.size >= this.options.maxInFlight) return;
    clearTimeout(this.#linger);
    this.#linger = undefined;
    this.#lingerDue = false;
    // Round r takes each partition's r-th share that may go: its seqs stay in request order.
    const rounds: Share[][] = [];
    for (const [partition, shares] of this.#open) {
      const seqs = this.#seqs(partition);
      for (let round = 0; shares.length > 0 && seqs.mayAdd; round++) {
        const share = shares.shift()!;
        seqs.number(share);
        if (rounds.length === round) rounds.push([]);
        rounds[round]!.push(share);
      }
      if (shares.length === 0) this.#open.delete(partition);
    }
    for (const round of rounds) {
      let request: Share[] = [];
      let records = 0;
      for (const share of round) {
        if (records + share.records.length > MAX_RECORDS_PER_REQUEST && request.length > 0) {
          this.#waiting.push(request);
          request = [];
          records = 0;
        }
        request.push(share);
        records += share.records.length;
      }
      if (request.length > 0) this.#waiting.push(request);
    }
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
          this.#settle(share, () => (outcome.share ? share.landed(outcome.share) : share.succeed(outcome.records)));
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

  /** One attempt: each share's answer, or its error. */
  async #post(shares: readonly Share[]): Promise<(Answered | KafkaError)[]> {
    const texts: string[] = [];
    for (const share of shares) for (const record of share.records) texts.push(record.wire);
    const json = `[${texts.join(",")}]`;
    const headers: Record<string, string> = {
      "producer-id": this.#producerId,
      "producer-partitions": shares.map((s) => `${s.partition}:${s.epoch}:${s.seq}`).join(","),
      // One answer per share instead of per record; a server without it answers per record.
      "produce-answer": "partitions",
    };
    let body: ProduceAnswer;
    try {
      const gzipped = this.options.compression === "gzip";
      if (gzipped) headers["content-encoding"] = "gzip";
      const answer = await this.http.call<ProduceAnswer>("POST", this.#url, {
        ...(gzipped ? { bytes: await gzip(json) } : { json }),
        headers,
      });
      body = answer.body;
    } catch (error) {
      const failure =
        error instanceof KafkaError
          ? error
          : new KafkaError("NETWORK", String(error), { isRetriable: true, cause: error });
      return shares.map(() => failure);
    }
    if (body.partitions !== undefined) {
      const answers = body.partitions;
      return shares.map((share, i) => {
        const answer = answers[i];
        if (answer === undefined || answer.partition !== share.partition) {
          return new KafkaError("BAD_ANSWER", `The produce answer has no entry for partition ${share.partition}`);
        }
        // A 207: this partition's code as the error the whole answer would have been.
        return answer.error ? errorFromResponse(207, { error: answer.error }, null) : { share: answer };
      });
    }
    const answers = body.records ?? [];
    let at = 0;
    return shares.map((share) => {
      const mine = answers.slice(at, at + share.records.length);
      at += share.records.length;
      const refused = mine.find((answer) => answer.error !== undefined)?.error;
      return refused ? errorFromResponse(207, { error: refused }, null) : { records: mine };
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
