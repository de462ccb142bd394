/**
 * Transaction participants: features that add their own durable change to a transaction, so
 * it commits with the transaction's appends or not at all. The consumer groups feature commits
 * a group's offsets this way ("consume, transform, produce" exactly once): its part of the
 * request body (`commit`) becomes a record in its state log, which is one more stream in the
 * same atomic append.
 *
 * A participant registers under the body field it handles, through the registry the
 * transactions feature offers (`host.lookup(TRANSACTION_PARTICIPANTS)`, from `onOpen` on).
 */

import { serviceKey } from "../../feature.js";
import type { Demand } from "../../http/routing/route.js";

/** What a participant is told about the transaction it takes part in. */
export interface TransactionView {
  /** The streams the transaction appends to, as full paths (`/v1/stream/orders/0`). */
  readonly paths: readonly string[];
}

export interface TransactionParticipant {
  /** The field of the request body it handles, e.g. `commit`. */
  readonly field: string;
  /**
   * The access its part needs besides `write` on the transaction's streams (checked with them,
   * before anything runs, when access control is on). Throws a ProtocolError for a part it
   * cannot read.
   */
  demands(part: unknown): readonly Demand[];
  /**
   * Checks its part and stages its change. A ProtocolError with status 400 is a malformed part
   * (answered as it is, naming the part); any other 4xx refuses the transaction (it answers
   * TRANSACTION_CONFLICT naming this part). Nothing is written then. What the part was checked
   * against must not change until the prepared part is settled (committed or aborted) — a
   * participant keeps its own lock until then. Participants are prepared one at a time, in the
   * order of their fields, so concurrent transactions take participants' locks in one order.
   */
  prepare(part: unknown, transaction: TransactionView): Promise<PreparedPart>;
}

/** A participant's staged change, settled exactly once. */
export interface PreparedPart {
  /** JSON bodies to append, each to an existing (usually internal) stream, atomically with the transaction. */
  readonly appends: ReadonlyArray<{ readonly path: string; readonly body: Uint8Array }>;
  /**
   * The transaction is durable and visible: apply the change and release. Returns what the
   * answer carries for this part. Must not throw: the transaction has happened.
   */
  committed(): unknown;
  /** The transaction wrote nothing (refused or failed): release, changing nothing. */
  aborted(): void;
}

/** Where participants register. */
export interface TransactionParticipants {
  /** Registers `participant` for its field; a field is handled by one participant. */
  register(participant: TransactionParticipant): void;
}

export const TRANSACTION_PARTICIPANTS = serviceKey<TransactionParticipants>("transaction-participants");

/** The registry the feature keeps. */
export class ParticipantRegistry implements TransactionParticipants {
  private readonly byField = new Map<string, TransactionParticipant>();

  register(participant: TransactionParticipant): void {
    if (participant.field === "items") throw new Error("`items` is the transaction's own field");
    if (this.byField.has(participant.field)) {
      throw new Error(`a transaction participant already handles ${participant.field}`);
    }
    this.byField.set(participant.field, participant);
  }

  get(field: string): TransactionParticipant | undefined {
    return this.byField.get(field);
  }

  get fields(): string[] {
    return [...this.byField.keys()].sort();
  }
}
