import type { Feature } from "./feature.js";
import type { CoreOptions } from "./options.js";

/** Options of a Rivulet server: its settings (options.ts) and the features it mounts. */
export interface ServerOptions extends CoreOptions {
  /** Features mounted besides the built-in ones (their routes live under `{base}/__ds/`). */
  features?: readonly Feature[];
}
