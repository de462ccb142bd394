/** Records a decision emits: each is applied to the groups at once and kept for the state log. */
import type { GroupRecord } from "./records.js";
import { applyRecord, type Groups } from "./reducer.js";

export class Changes {
  readonly records: GroupRecord[] = [];

  constructor(readonly groups: Groups) {}

  emit(record: GroupRecord): void {
    applyRecord(this.groups, record);
    this.records.push(record);
  }
}

/** What a decision returns: the records that make it durable, and its answer. */
export interface Decision<T> {
  readonly records: readonly GroupRecord[];
  readonly result: T;
}
