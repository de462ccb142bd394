import type { ClusterOptions } from "./cluster/options.js";
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
   * Cluster mode (docs/cluster.md): several nodes serve one shared store; reads check the store
   * before answering from memory, live readers hear of other nodes' appends through the change
   * feed, and singleton features run on the node holding the lease.
   */
  cluster?: ClusterOptions;
}
