export { createFetchHandler, type FetchHandler, type FetchRequestInfo } from "./adapters/fetch.js";
export { createNodeHandler, type NodeHandler } from "./adapters/node.js";
export { Engine } from "./engine/engine.js";
export type { EngineEvent, EngineEventType, EventFeed, EventOf } from "./engine/events.js";
export type { Feature, FeatureHost } from "./feature.js";
export { type DashboardOptions, dashboardFeature } from "./features/dashboard/index.js";
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
export {
  DataDirLockedError,
  StoreBusyError,
  StoreConflictError,
  StoreCorruptionError,
  StoreDamagedError,
  StoreError,
  StoreFullError,
  StoreMissingError,
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
export { MemoryStore } from "./store/memory-store.js";
export { applyRecord, type RecordTarget } from "./store/record-state.js";
export type {
  AppendRecord,
  ListQuery,
  Store,
  StoredStream,
  StoreHealth,
  StoreObserver,
  StreamMeta,
} from "./store/types.js";
