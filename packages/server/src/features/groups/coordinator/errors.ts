/** The coordinator's refusals, with the codes and details clients switch on (docs/kafka-layer.md). */
import { ProtocolError } from "@rivulet/protocol";
import { type PartitionKey, splitKey } from "./model.js";

export function unknownMember(group: string, member: string | undefined): ProtocolError {
  return new ProtocolError(
    "UNKNOWN_MEMBER_ID",
    `Group ${group} has no member ${member ?? "(none given)"}; rejoin with epoch 0`,
  );
}

export function fenced(member: string, epoch: number, current: number, why: string): ProtocolError {
  return new ProtocolError(
    "FENCED_MEMBER_EPOCH",
    `Member ${member} is fenced (${why}): give up every partition and rejoin with epoch 0`,
    {},
    { details: { member_epoch: epoch, current_epoch: current } },
  );
}

export function stale(key: PartitionKey, epoch: number): ProtocolError {
  const { topic, partition } = splitKey(key);
  return new ProtocolError(
    "STALE_MEMBER_EPOCH",
    `The member does not own ${topic}/${partition} at epoch ${epoch}; heartbeat, then commit what it owns`,
    {},
    { details: { topic, partition } },
  );
}

export function notEmpty(group: string, members: number): ProtocolError {
  return new ProtocolError("GROUP_NOT_EMPTY", `Group ${group} has ${members} member(s)`, {}, { details: { members } });
}

export function groupNotFound(group: string): ProtocolError {
  return new ProtocolError("GROUP_NOT_FOUND", `No consumer group ${group}`);
}

export function groupLimit(max: number): ProtocolError {
  return new ProtocolError("GROUP_LIMIT_REACHED", `This server holds its limit of ${max} consumer groups`);
}
