export { createFetchHandler, type FetchHandler, type FetchRequestInfo } from "./adapters/fetch.js";
export { createNodeHandler, type NodeHandler } from "./adapters/node.js";
export { Capabilities } from "./capabilities.js";
export {
  type AttachedFeed,
  type AttachOptions,
  attachChangeFeed,
  ChangeBus,
  type ChangeFeed,
  MemoryChangeFeed,
  PgChangeFeed,
  type PgChangeFeedOptions,
  type StreamChange,
} from "./cluster/change-feed/index.js";
export type { Fenceable, FenceSource, FenceToken } from "./cluster/leases/fence.js";
export { checkFence, FencedError, isFenceable } from "./cluster/leases/fence.js";
export type { ClusterOptions } from "./cluster/options.js";
export type { AppendRequest, AppendResult } from "./engine/append-record.js";
export { Engine } from "./engine/engine.js";
export type { EngineEvent, EngineEventType, EventFeed, EventOf } from "./engine/events.js";
export {
  type ItemRefusal,
  refusalBody,
  type TransactionItem,
  TransactionRefusedError,
} from "./engine/transaction.js";
export { type Feature, type FeatureHost, type ServiceKey, serviceKey } from "./feature.js";
export { type DashboardOptions, dashboardFeature } from "./features/dashboard/index.js";
export { GROUP_DEFAULTS, type GroupSettings, resolveGroupSettings } from "./features/groups/settings.js";
export { PARTITION_STATS, TOPIC_DIRECTORY } from "./features/groups/sources/keys.js";
export type {
  PartitionPosition,
  PartitionState,
  PartitionStats,
  TopicDirectory,
} from "./features/groups/sources/types.js";
export { checkPublicUrl } from "./features/subscriptions/public-url.js";
export {
  resolveSubscriptionSettings,
  SUBSCRIPTION_DEFAULTS,
  type SubscriptionSettings,
} from "./features/subscriptions/settings.js";
export { parseAllowList as checkWebhookAllowList } from "./features/subscriptions/ssrf/allow-list.js";
export {
  resolveTopicSettings,
  TOPIC_DEFAULTS,
  type TopicSettings,
} from "./features/topics/settings.js";
export {
  type PreparedPart,
  TRANSACTION_PARTICIPANTS,
  type TransactionParticipant,
  type TransactionParticipants,
  type TransactionView,
} from "./features/transactions/participant.js";
export {
  resolveTransactionSettings,
  TRANSACTION_DEFAULTS,
  type TransactionSettings,
} from "./features/transactions/settings.js";
export { ProtocolApp } from "./http/app.js";
export type { Context, Readiness } from "./http/context.js";
export type { HttpReply, HttpRequest, ReplySink } from "./http/exchange.js";
export { checkAuthOptions } from "./http/middleware/auth/authenticator.js";
export {
  type AccessScope,
  type AuthOptions,
  authConfigured,
  type JwtOptions,
  type StaticToken,
} from "./http/middleware/auth/config.js";
export type { Access, Demand, Method, RouteHandler, RouteParams, RouteSpec } from "./http/routing/route.js";
export { createLogger, type Logger, type LogLevel, silentLogger } from "./ops/logger.js";
export { ServerMetrics } from "./ops/metrics.js";
export type { FeatureTracing, TracingOptions } from "./ops/tracing.js";
export { type CoreOptions, DEFAULTS } from "./options.js";
export { DEFAULT_PORT, LISTEN_DEFAULTS, type ListenOptions, type RivuletServer, startServer } from "./server.js";
export type { ServerOptions } from "./server-options.js";
export { INDEX_INTERVAL, indexEntriesOf } from "./store/append-index.js";
export { CompactedUnit, compactUnit, type Span } from "./store/compacted-unit.js";
export {
  DataDirLockedError,
  StoreBusyError,
  StoreConflictError,
  StoreCorruptionError,
  StoreDamagedError,
  StoreError,
  StoreFullError,
  StoreMissingError,
  StoreTrimmedError,
  StoreUnavailableError,
} from "./store/errors.js";
export { type Durability, FileStore, type FileStoreOptions } from "./store/file/file-store.js";
export { checkDataDir, repairDataDir } from "./store/file/fsck/repair.js";
export type {
  CheckpointCheck,
  DamagedRange,
  DataFileCheck,
  FsckReport,
  Loss,
  RepairResult,
  SegmentCheck,
} from "./store/file/fsck/types.js";
export { type FileIo, nodeIo } from "./store/file/io.js";
export { DEFAULT_SEGMENT_BYTES } from "./store/file/segments.js";
export { MemoryStore, type MemoryStoreOptions } from "./store/memory-store.js";
export {
  DEFAULT_PG_UNIT_BYTES,
  isTransient,
  LATEST_VERSION,
  MIGRATIONS,
  type Migration,
  type MigrationReport,
  migrate,
  migrateDatabase,
  PostgresStore,
  type PostgresStoreOptions,
  redact,
  SchemaOutdatedError,
  SchemaTooNewError,
  schemaVersion,
} from "./store/postgres/index.js";
export { applyRecord, type RecordTarget } from "./store/record-state.js";
export type {
  AppendRecord,
  AtomicPart,
  IndexEntry,
  IndexKey,
  Inherited,
  ListQuery,
  Store,
  StoredStream,
  StoreHealth,
  StoreObserver,
  StreamMeta,
  StreamProbe,
} from "./store/types.js";
