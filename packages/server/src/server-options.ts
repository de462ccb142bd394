import type { ClusterOptions } from "./cluster/change-feed/live-feature.js";
import type { Feature } from "./feature.js";
import type { TracingOptions } from "./ops/tracing.js";
import type { CoreOptions } from "./options.js";

/** Options of a Rivulet server: its settings (options.ts), the features it mounts, and tracing. */
export interface ServerOptions extends CoreOptions {
  /** Features mounted besides the built-in ones (their routes live under `{base}/__ds/`). */
  features?: readonly Feature[];
  /** A span per request through this tracer (OpenTelemetry); absent (the default), nothing is traced. */
  tracing?: TracingOptions;
  /**
   * Several nodes serve one shared store (docs/cluster-live.md): reads check the store before
   * answering from memory, and live readers hear of other nodes' appends through the change feed.
   */
  cluster?: ClusterOptions;
}
