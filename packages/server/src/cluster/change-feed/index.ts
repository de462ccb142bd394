export { type AttachedFeed, type AttachOptions, attachChangeFeed } from "./attach.js";
export { ChangeBus, MemoryChangeFeed } from "./memory-feed.js";
export type { ChangeFeed, StreamChange } from "./types.js";
