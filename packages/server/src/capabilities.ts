/**
 * The protocol extensions a server supports, by name and version (docs/extensions.md), as
 * `GET {base}/__ds/capabilities` answers them. The stream routes declare theirs; every feature
 * declares its own through FeatureHost.capability, so a client can tell what it may use.
 */
export class Capabilities {
  private readonly declared = new Map<string, number>();

  declare(name: string, version: number): void {
    const known = this.declared.get(name);
    if (known !== undefined && known !== version) {
      throw new Error(`Extension ${name} declared twice, as version ${known} and ${version}`);
    }
    this.declared.set(name, version);
  }

  /** Every extension and its version, by name. */
  toJson(): Record<string, number> {
    return Object.fromEntries([...this.declared].sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}

/** What the stream routes themselves add to the protocol (docs/extensions.md). */
export const STREAM_EXTENSIONS: Readonly<Record<string, number>> = {
  /** `view=records` and `limit` on reads, live or not. */
  records: 1,
  /** Stream-Append-Seq and Stream-Append-Time on appends, Stream-Next-Seq on HEAD. */
  "append-metadata": 1,
  /** Stream-Expected-Offset and Stream-Expected-Seq on appends: 412 TAIL_MISMATCH. */
  "conditional-append": 1,
  /** `HEAD ?at=`: the first message appended at or after a time. */
  "time-index": 1,
  /** Stream-Earliest-Offset on HEAD and reads; 410 OFFSET_OUT_OF_RANGE before it. */
  "earliest-offset": 1,
};
