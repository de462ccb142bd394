/**
 * A group's offset commit as part of a transaction (docs/kafka-layer.md, "Participants"): the
 * `commit` field of `POST {base}/__ds/transactions`, `{"group", "member_id", "member_epoch",
 * "offsets": [...]}`, is checked exactly as `POST {base}/__ds/groups/<group>/commit` is, and its
 * record is appended to the groups state log in the same atomic write as the transaction's
 * items — so the records a consumer produced and the offsets it consumed are committed together
 * or not at all (consume, transform, produce exactly once).
 */
import type { Demand } from "../../http/routing/route.js";
import type { TransactionParticipant } from "../transactions/participant.js";
import { type CommitBody, parseCommitBody } from "./routes/commit-request.js";
import { invalid } from "./routes/http.js";
import { groupId } from "./routes/parse.js";
import { checkedCommits } from "./runtime/positions.js";
import type { GroupService } from "./runtime/service.js";
import { commitAnswer } from "./views.js";

export const COMMIT_FIELD = "commit";

interface CommitPart extends CommitBody {
  readonly group: string;
}

export function commitParticipant(
  service: GroupService,
  groupPath: (group: string) => string,
): TransactionParticipant {
  const read = (part: unknown): CommitPart => {
    if (typeof part !== "object" || part === null || Array.isArray(part)) {
      throw invalid('A commit is {"group", "member_id", "member_epoch", "offsets": [...]}');
    }
    const fields = part as Record<string, unknown>;
    const group = groupId(typeof fields.group === "string" ? fields.group : undefined);
    return { group, ...parseCommitBody(fields, service.settings.maxMetadataLength) };
  };
  return {
    field: COMMIT_FIELD,
    // What a plain commit to the group needs.
    demands: (part): Demand[] => [{ scope: "write", path: groupPath(read(part).group) }],
    async prepare(part) {
      const { group, member, inputs } = read(part);
      service.ensureOpen();
      // Partitions and tails first, as a plain commit does; offsets only grow past these checks.
      const offsets = await checkedCommits(service.sources, inputs);
      const prepared = await service.prepareCommit(group, { ...member, offsets });
      return {
        appends: [{ path: prepared.path, body: prepared.body }],
        committed() {
          prepared.committed();
          const state = service.coordinator.get(group);
          return state ? commitAnswer(state, inputs) : null;
        },
        aborted: () => prepared.aborted(),
      };
    },
  };
}
