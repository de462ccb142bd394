/**
 * Records a decision emits: each is applied to the groups at once and kept for the state log —
 * or, for a change another writer makes durable (a commit inside a transaction), only kept, to
 * be applied once it is written.
 */
import type { GroupRecord } from "./records.js";
import { applyRecord, type Groups } from "./reducer.js";

export class Changes {
  readonly records: GroupRecord[] = [];

  constructor(
    readonly groups: Groups,
    private readonly applied = true,
  ) {}

  emit(record: GroupRecord): void {
    if (this.applied) applyRecord(this.groups, record);
    this.records.push(record);
  }
}

/** What a decision returns: the records that make it durable, and its answer. */
export interface Decision<T> {
  readonly records: readonly GroupRecord[];
  readonly result: T;
}
