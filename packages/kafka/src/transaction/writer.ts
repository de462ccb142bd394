/**
 * Sends transactions, each item with idempotent producer headers (PROTOCOL §5.2.1) so that a
 * retry after a lost answer is answered as already written instead of writing twice
 * (docs/kafka-layer.md, "What a transaction guarantees"). One producer id per `Kafka` object,
 * with an epoch and a seq per stream. Transactions sharing a stream take turns on it (locks
 * taken in path order, so two transactions never wait on each other): a refused transaction
 * writes nothing, so the next may use the same seq. When a transaction's outcome is unknown
 * (no answer after every retry), its streams start a new epoch: seq 0 of a new epoch is valid
 * whether or not the lost one was written, and it fences it.
 */
import { KafkaError, TransactionConflictError } from "../errors.js";
import type { KafkaHttp } from "../http.js";
import type { WireCommitPart } from "./commit-part.js";

export interface TransactionItem {
  /** The stream, relative to the root: `topics/orders/0`. */
  path: string;
  /** The records' envelopes, as JSON text. */
  texts: string[];
}

export interface ItemResult {
  path: string;
  written: boolean;
  next_offset?: string;
  seq?: number;
  timestamp?: number;
}

export interface TransactionAnswer {
  items: ItemResult[];
  commit?: unknown;
}

interface StreamProducer {
  epoch: number;
  seq: number;
  /** Settles when the transaction holding the stream is done. */
  turn: Promise<void>;
}

/** Codes of refused items that say this producer's state on the stream is not what we think. */
const PRODUCER_STATE_CODES = new Set(["PRODUCER_SEQ_GAP", "STALE_PRODUCER_EPOCH", "PRODUCER_EPOCH_SEQ_NOT_ZERO"]);

export class TransactionWriter {
  readonly producerId = `kafka-tx-${randomId()}`;
  readonly #streams = new Map<string, StreamProducer>();

  constructor(private readonly http: KafkaHttp) {}

  async write(
    items: readonly TransactionItem[],
    commit: WireCommitPart | undefined,
    signal?: AbortSignal,
  ): Promise<TransactionAnswer> {
    const paths = items.map((item) => item.path).sort();
    const release = await this.#take(paths);
    try {
      return await this.#send(items, commit, signal);
    } finally {
      release();
    }
  }

  async #send(items: readonly TransactionItem[], commit: WireCommitPart | undefined, signal?: AbortSignal) {
    const states = items.map((item) => this.#state(item.path));
    const parts = items.map((item, i) => {
      const headers = {
        "Producer-Id": this.producerId,
        "Producer-Epoch": String(states[i]!.epoch),
        "Producer-Seq": String(states[i]!.seq),
      };
      return `{"path":${JSON.stringify(item.path)},"body":[${item.texts.join(",")}],"headers":${JSON.stringify(headers)}}`;
    });
    const json = `{"items":[${parts.join(",")}]${commit === undefined ? "" : `,"commit":${JSON.stringify(commit)}`}}`;
    try {
      const answer = await this.http.call<TransactionAnswer>("POST", this.http.api("transactions"), {
        json,
        retry: true,
        signal,
      });
      for (const state of states) state.seq++;
      return answer.body;
    } catch (error) {
      this.#afterFailure(items, states, error);
      throw error;
    }
  }

  #afterFailure(items: readonly TransactionItem[], states: StreamProducer[], error: unknown): void {
    if (error instanceof TransactionConflictError) {
      // Nothing was written; streams whose producer state disagrees start over in a new epoch.
      for (const refusal of error.refusals) {
        const index = typeof refusal.item === "number" ? refusal.item : -1;
        if (index < 0 || index >= items.length || !PRODUCER_STATE_CODES.has(String(refusal.code))) continue;
        const headers = (refusal.headers ?? {}) as Record<string, string>;
        newEpoch(states[index]!, Number(headers["producer-epoch"] ?? -1));
      }
      return;
    }
    // A refusal on its own (400, 413, 403…) wrote nothing; no answer at all may have written it.
    const known = error instanceof KafkaError && error.status !== undefined && error.status < 500;
    if (!known) for (const state of states) newEpoch(state, -1);
  }

  #state(path: string): StreamProducer {
    let state = this.#streams.get(path);
    if (state === undefined) {
      state = { epoch: 0, seq: 0, turn: Promise.resolve() };
      this.#streams.set(path, state);
    }
    return state;
  }

  /** Waits for each stream's turn, in path order; returns the release of all of them. */
  async #take(sortedPaths: readonly string[]): Promise<() => void> {
    const releases: (() => void)[] = [];
    for (const path of sortedPaths) {
      const state = this.#state(path);
      const before = state.turn;
      let release!: () => void;
      state.turn = new Promise<void>((resolve) => {
        release = resolve;
      });
      releases.push(release);
      await before;
    }
    return () => {
      for (const release of releases) release();
    };
  }
}

function newEpoch(state: StreamProducer, serverEpoch: number): void {
  state.epoch = Math.max(state.epoch, Number.isFinite(serverEpoch) ? serverEpoch : -1) + 1;
  state.seq = 0;
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
