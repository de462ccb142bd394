/**
 * Colours only for a terminal: picocolors' own detection looks at stdout alone and turns
 * colours on for any CI run, so the CLI decides per stream. NO_COLOR (non-empty) turns them
 * off, FORCE_COLOR on.
 */
import picocolors from "picocolors";

export type Colors = ReturnType<typeof picocolors.createColors>;

export function colorsFor(stream: NodeJS.WriteStream): Colors {
  return picocolors.createColors(wantsColor(stream));
}

function wantsColor(stream: NodeJS.WriteStream): boolean {
  const env = process.env;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0") return true;
  return stream.isTTY === true && env.TERM !== "dumb";
}
