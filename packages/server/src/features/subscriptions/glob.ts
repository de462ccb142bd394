/**
 * Glob patterns over stream-root-relative paths (PROTOCOL §6.2): `*` matches one path segment
 * (or, inside a segment, any run of characters within it), `**` zero or more whole segments;
 * every other character is literal. Matching works segment by segment — no backtracking regex
 * over the whole path — and the limits on length, segments and wildcards bound its cost.
 */
import { ProtocolError } from "@rivulet/protocol";

export interface GlobLimits {
  readonly maxLength: number;
  readonly maxSegments: number;
  readonly maxWildcards: number;
}

/** At most this many `**`: each one multiplies the work of a match by the path's depth. */
const MAX_GLOBSTARS = 2;

type Segment = { readonly kind: "any" } | { readonly kind: "literal"; readonly text: string } | RegExp;

export interface Glob {
  readonly pattern: string;
  /** Leading literal segments joined by `/` ("" when the pattern starts with a wildcard): every match starts with it. */
  readonly literalPrefix: string;
  matches(path: string): boolean;
}

export function compileGlob(pattern: string, limits: GlobLimits): Glob {
  const segments = parseSegments(pattern, limits);
  const literal: string[] = [];
  for (const segment of segments) {
    if (segment instanceof RegExp || segment.kind !== "literal") break;
    literal.push(segment.text);
  }
  return {
    pattern,
    literalPrefix: literal.join("/"),
    matches: (path) => matchSegments(segments, path.split("/")),
  };
}

function parseSegments(pattern: string, limits: GlobLimits): Segment[] {
  if (pattern.length === 0) throw invalid("pattern must not be empty");
  if (pattern.length > limits.maxLength) {
    throw tooComplex(`pattern is longer than ${limits.maxLength} characters`);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  if (/[\u0000-\u001f\u007f\\]/.test(pattern))
    throw invalid("pattern must not contain control characters or backslashes");
  const parts = pattern.split("/");
  if (parts.length > limits.maxSegments) throw tooComplex(`pattern has more than ${limits.maxSegments} segments`);
  let wildcards = 0;
  let globstars = 0;
  const segments = parts.map((part): Segment => {
    if (part === "" || part === "." || part === "..") {
      throw invalid("pattern segments must not be empty, '.' or '..' (and no leading or trailing '/')");
    }
    if (part === "**") {
      wildcards++;
      globstars++;
      return { kind: "any" };
    }
    if (part.includes("**")) throw invalid("'**' must be a whole pattern segment");
    if (!part.includes("*")) return { kind: "literal", text: part };
    wildcards += part.split("*").length - 1;
    const source = part
      .split("*")
      .map((text) => text.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join("[^/]*");
    return new RegExp(`^${source}$`, "s");
  });
  if (parts[0] === "__ds") throw invalid("pattern must not start with the reserved __ds segment");
  if (wildcards > limits.maxWildcards) throw tooComplex(`pattern has more than ${limits.maxWildcards} wildcards`);
  if (globstars > MAX_GLOBSTARS) throw tooComplex(`pattern has more than ${MAX_GLOBSTARS} '**' segments`);
  return segments;
}

/** Whether path segments [si..] match pattern segments [pi..]; `**` tries every split. */
function matchSegments(pattern: readonly Segment[], path: readonly string[], pi = 0, si = 0): boolean {
  for (; pi < pattern.length; pi++, si++) {
    const segment = pattern[pi]!;
    if (!(segment instanceof RegExp) && segment.kind === "any") {
      for (let skip = si; skip <= path.length; skip++) {
        if (matchSegments(pattern, path, pi + 1, skip)) return true;
      }
      return false;
    }
    const part = path[si];
    if (part === undefined) return false;
    if (segment instanceof RegExp ? !segment.test(part) : segment.text !== part) return false;
  }
  return si === path.length;
}

function invalid(message: string): ProtocolError {
  return new ProtocolError("INVALID_SUBSCRIPTION", message);
}

function tooComplex(message: string): ProtocolError {
  return new ProtocolError("PATTERN_TOO_COMPLEX", message);
}
