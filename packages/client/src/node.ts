/**
 * `@rivulet/client/node`: the parts that need Node built-ins, kept out of the main entry so
 * browser and Workers bundles never see them. Diagnostics channels need no import: the main
 * entry publishes on them whenever the runtime has `diagnostics_channel`.
 */
export { FileOffsetStore } from "./node/file-offset-store.js";
export { type ExitFlushOptions, flushOnExit, type UnsentItems } from "./node/flush-on-exit.js";
export { type NodeFetchOptions, nodeFetch } from "./node/node-fetch.js";
export { DIAGNOSTICS_CHANNELS } from "./observability/events.js";
