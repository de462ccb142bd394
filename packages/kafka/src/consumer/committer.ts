/**
 * Sends a member's offset commits (`POST {base}/__ds/groups/<g>/commit`) one at a time, in
 * order: commits are cumulative and never go back (the server refuses a regression), so two
 * in flight could land out of order. Calls while one is out share the next one, which covers
 * everything finished by then. A commit refused as stale (the member's epoch moved) is sent
 * again after a heartbeat, for the partitions still owned.
 */
import { KafkaError, RebalanceInProgressError } from "../errors.js";
import type { KafkaHttp } from "../http.js";
import type { Membership } from "./membership.js";
import type { CommittedPosition } from "./options.js";
import type { PartitionState } from "./partition.js";

const STALE_RETRIES = 3;

export class Committer {
  #chain: Promise<void> = Promise.resolve();
  #queued: Promise<void> | undefined;

  constructor(
    private readonly http: KafkaHttp,
    private readonly group: string,
    private readonly membership: () => Membership | undefined,
    private readonly partitions: () => Iterable<PartitionState>,
    private readonly committed: (offsets: CommittedPosition[]) => void,
  ) {}

  /** Commits every finished, uncommitted position of the given partitions (default: all owned). */
  flush(only?: readonly PartitionState[]): Promise<void> {
    if (only !== undefined) return this.run(() => this.#commit(only));
    this.#queued ??= this.run(() => {
      this.#queued = undefined;
      return this.#commit([...this.partitions()]);
    });
    return this.#queued;
  }

  /** Resolves once every commit asked for so far (`commitAsync()` included) was sent and answered. */
  drained(): Promise<void> {
    return this.run(async () => {});
  }

  /** Runs `step` after every commit before it: anything that must be ordered with commits (a dead-letter transaction) goes through here. */
  run<R>(step: () => Promise<R>): Promise<R> {
    const result = this.#chain.then(step);
    this.#chain = result.then(
      () => {},
      () => {},
    );
    return result;
  }

  async #commit(partitions: readonly PartitionState[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const due = partitions.filter((p) => !p.gone && p.toCommit !== undefined && p.toCommit !== p.committed);
      const membership = this.membership();
      if (due.length === 0 || membership?.memberId === undefined || membership.epoch <= 0) return;
      const offsets = due.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.toCommit! }));
      try {
        await this.http.call("POST", this.http.api(`groups/${encodeURIComponent(this.group)}/commit`), {
          body: { member_id: membership.memberId, member_epoch: membership.epoch, offsets },
          // The same commit twice is harmless: an offset equal to the committed one is no regression.
          retry: true,
        });
      } catch (error) {
        if (error instanceof RebalanceInProgressError && attempt < STALE_RETRIES) {
          await membership.nextBeat();
          continue;
        }
        throw error instanceof KafkaError ? error : new KafkaError("COMMIT_FAILED", String(error), { cause: error });
      }
      for (const [i, p] of due.entries()) p.committed = offsets[i]!.offset;
      this.committed(offsets);
      return;
    }
  }
}
