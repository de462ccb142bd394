/**
 * Reads before a stream's earliest retained position (docs/extensions.md, "Earliest offset"):
 * PROTOCOL §5.6 answers them 410 Gone; the extension adds where the stream now starts, so a
 * reader that fell behind can resume there.
 */
import { formatOffset, Header, ProtocolError } from "@rivulet/protocol";
import type { StreamState } from "./stream-state.js";

/** 410 OFFSET_OUT_OF_RANGE with Stream-Earliest-Offset: the data was retained away. */
export function gone(stream: StreamState): ProtocolError {
  const earliest = formatOffset(stream.earliest);
  return new ProtocolError("OFFSET_OUT_OF_RANGE", `The stream's data now starts at ${earliest}`, {
    [Header.earliestOffset]: earliest,
  });
}

/** Throws `gone` when `position` is before the stream's earliest retained position. */
export function checkRetained(stream: StreamState, position: number): void {
  if (position < stream.earliest) throw gone(stream);
}
