/** What the coordinator is told by the server: timeouts it hands to members, and its limits. */
import type { AssignorName } from "./model.js";

export interface CoordinatorSettings {
  /** A member that sends no heartbeat for this long is removed and its partitions reassigned. */
  readonly sessionTimeoutMs: number;
  /** How often members are told to heartbeat. */
  readonly heartbeatIntervalMs: number;
  /** How long a member may take to give up partitions when it does not say (fenced after it). */
  readonly rebalanceTimeoutMs: number;
  readonly maxGroups: number;
  readonly maxMembersPerGroup: number;
  readonly defaultAssignor: AssignorName;
}
