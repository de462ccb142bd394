/**
 * `@rivulet/client/admin`: a stream's retention settings and explicit trims, through the
 * server's admin API (docs/extensions.md). Its own entry point: code that reads and writes
 * streams does not carry it. Every function takes a stream handle and uses its transport,
 * headers and retry settings.
 */
export {
  getRetention,
  type RetentionChange,
  type RetentionSettings,
  setRetention,
  type TrimResult,
  trim,
} from "./extensions/admin.js";
export { capabilitiesOf, type ServerCapabilities } from "./extensions/capabilities.js";
