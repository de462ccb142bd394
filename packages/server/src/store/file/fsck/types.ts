/**
 * What `rivulet fsck` reports about a data directory (docs/storage.md, "Checking and
 * repairing"). Plain data: the CLI prints it as text or JSON.
 */

export interface FsckReport {
  readonly dir: string;
  /** True when nothing is damaged (notes are not damage). */
  readonly clean: boolean;
  readonly checkpoints: CheckpointCheck[];
  readonly segments: SegmentCheck[];
  readonly dataFiles: DataFileCheck[];
  /** Streams in the directory as recovery would see them. */
  readonly streams: number;
  /** Which streams lose what if the directory is repaired (empty when clean, or when nothing is lost). */
  readonly losses: Loss[];
  /** Facts that are not damage: a torn tail recovery will cut, files of the previous format, orphans. */
  readonly notes: string[];
}

export interface CheckpointCheck {
  readonly file: string;
  readonly status: "intact" | "damaged";
  readonly reason?: string;
  /** The boundary it covers up to (first segment not in it). */
  readonly segment?: number;
  /** Streams in it (intact lines, when damaged). */
  readonly streams: number;
}

export interface SegmentCheck {
  readonly file: string;
  readonly segment: number;
  readonly format: 1 | 2 | "empty" | "damaged header";
  /** `torn tail`: the newest segment ends in an interrupted write, which recovery cuts (not damage). */
  readonly status: "intact" | "torn tail" | "damaged";
  /** Records in intact batches. */
  readonly records: number;
  readonly damage?: { readonly offset: number; readonly recordsAfter: number; readonly batchesAfter: number };
}

export interface DataFileCheck {
  readonly stream: string;
  /** Its first data file (segment). */
  readonly file: string;
  /** Every file of its segments: data, checksums, index. */
  readonly files: string[];
  readonly status: "intact" | "damaged" | "unverified";
  /** Damaged byte ranges of the stream (stream offsets), and why. */
  readonly damage: DamagedRange[];
}

export interface DamagedRange {
  readonly from: number;
  readonly to: number;
  /**
   * `data`: the bytes fail their checksum; `checksum`: the checksum slot itself is damaged;
   * `missing`: the file ends early; `index`: the append index is damaged from here.
   */
  readonly kind: "data" | "checksum" | "missing" | "index";
  /** Whether the log still holds these bytes, so a repair rewrites them and loses nothing. */
  readonly inLog: boolean;
}

/** What a repair drops from one stream (or, for `stream` "#<id>", from a stream whose name is lost). */
export interface Loss {
  readonly stream: string;
  /** Stream offsets [from, to) dropped. */
  readonly from: number;
  readonly to: number;
  /** Log records dropped, when the loss is in the log; undefined for checkpointed data. */
  readonly records: number | undefined;
  /** The whole stream goes (its creation or its fork source is lost). */
  readonly wholeStream: boolean;
  readonly reason: string;
}

export interface RepairResult {
  readonly quarantine: string;
  /** Files copied to the quarantine before anything changed. */
  readonly quarantined: string[];
  readonly losses: Loss[];
  /** Checksum slots rewritten from their data (the slot was damaged, the data could not be checked). */
  readonly rewrittenSlots: Array<{ readonly stream: string; readonly block: number }>;
  readonly checkpoint: string;
}
