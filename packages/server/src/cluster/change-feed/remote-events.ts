/**
 * What another node's notice means to the features of this one, as engine events marked
 * `remote` (engine/events.ts): a removal, a closure, and where the stream's tail is now. Pure.
 *
 * A notice merges a node's changes to a path, so it cannot say how many appends there were or
 * where they began: `appended` carries the tail only, and features treat it as "the stream may
 * have moved up to here" (advancing to a tail they already know is a no-op for them).
 */
import type { EngineEvent } from "../../engine/events.js";
import type { StoredStream } from "../../store/types.js";
import type { StreamChange } from "./types.js";

/**
 * @param stored for a notice of a creation, the stream as the store holds it now (a notice does
 * not carry a stream's settings); without it, or once it is gone again, no `created` is emitted.
 */
export function remoteEvents(change: StreamChange, stored?: StoredStream): EngineEvent[] {
  const { path, tail } = change;
  const events: EngineEvent[] = [];
  if (change.deleted) events.push({ type: "deleted", path, remote: true });
  // A removal alone leaves nothing at the path; a re-creation since is a stream with a tail.
  if (change.deleted && !change.created) return events;
  if (change.created && stored && !stored.softDeleted) {
    events.push({ type: "created", path, meta: stored.meta, tail: stored.tail, remote: true });
  }
  if (tail > 0) events.push({ type: "appended", path, end: tail, remote: true });
  if (change.closed) events.push({ type: "closed", path, tail, remote: true });
  return events;
}
