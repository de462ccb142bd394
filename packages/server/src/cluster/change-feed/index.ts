export { type AttachedFeed, type AttachOptions, attachChangeFeed } from "./attach.js";
export { ChangeBus, MemoryChangeFeed } from "./memory-feed.js";
export { DEFAULT_CHANNEL, PgChangeFeed, type PgChangeFeedOptions } from "./pg/pg-feed.js";
export type { ChangeFeed, StreamChange } from "./types.js";
