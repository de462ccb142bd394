/**
 * The consumer groups' part of a transaction: `"commit": {"group", "member_id", "member_epoch",
 * "offsets"}` beside the items of `POST {base}/__ds/transactions` (docs/kafka-layer.md,
 * "Committing offsets in a transaction"). The offsets are committed if and only if the items
 * are written, with exactly the checks of the commit endpoint — so a consumer that reads one
 * topic, writes another and commits in one transaction processes each record exactly once.
 */
import type { Demand } from "../../../http/routing/route.js";
import type { TransactionParticipant } from "../../transactions/participant.js";
import { invalid } from "../routes/http.js";
import { commitMember, offsetInputs } from "../routes/offsets.js";
import { groupId } from "../routes/parse.js";
import { committedView } from "../views.js";
import { checkedCommits } from "./positions.js";
import type { GroupService } from "./service.js";

export function commitParticipant(service: GroupService, groupPath: (group: string) => string): TransactionParticipant {
  const read = (part: unknown) => {
    if (typeof part !== "object" || part === null || Array.isArray(part)) {
      throw invalid('the commit part is {"group", "member_id", "member_epoch", "offsets"}');
    }
    const body = part as Record<string, unknown>;
    const unknown = Object.keys(body).find((key) => !["group", "member_id", "member_epoch", "offsets"].includes(key));
    if (unknown !== undefined) throw invalid(`the commit part has an unknown field ${unknown}`);
    return { body, group: groupId(typeof body.group === "string" ? body.group : undefined) };
  };
  return {
    field: "commit",
    demands(part): readonly Demand[] {
      // As the commit endpoint: `write` on the group's path.
      return [{ scope: "write", path: groupPath(read(part).group) }];
    },
    async prepare(part) {
      const { body, group } = read(part);
      const member = commitMember(body);
      const inputs = offsetInputs(body.offsets, service.settings.maxMetadataLength);
      service.ensureOpen();
      const offsets = await checkedCommits(service.sources, inputs);
      const prepared = await service.prepareCommit(group, { ...member, offsets }, () => {
        const committed = service.coordinator.get(group)!;
        return {
          offsets: inputs.map((input) => ({
            topic: input.topic,
            partition: input.partition,
            committed: committedView(committed.offsets.get(`${input.topic}\u0000${input.partition}`)),
          })),
        };
      });
      return {
        appends: [{ path: prepared.path, body: prepared.body }],
        committed: () => prepared.committed(),
        aborted: () => prepared.aborted(),
      };
    },
  };
}
