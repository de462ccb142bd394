/**
 * Creating a stream (PROTOCOL §4.1, forks §4.2): decide against what the path holds, frame the
 * initial body, make it durable, and only then let other requests see it. The decision itself
 * is the protocol core's (decideCreate); this module does the engine's part around it.
 */
import {
  DEFAULT_CONTENT_TYPE,
  decideCreate,
  type Lifetime,
  type Retention,
  type StreamConfig,
} from "@rivulet/protocol";
import { StoreConflictError } from "../store/errors.js";
import { streamMeta } from "../store/stream-meta.js";
import type { AppendRecord, Store } from "../store/types.js";
import type { AccessLog } from "./access-log.js";
import { frame } from "./append-record.js";
import type { EventFeed } from "./events.js";
import { type ForkRequest, type ForkSources, resolveFork } from "./fork.js";
import type { StreamRegistry } from "./registry.js";
import type { Removal } from "./removal.js";
import { storeError } from "./store-errors.js";
import { StreamState } from "./stream-state.js";

export interface CreateRequest {
  /** As sent; a plain create defaults it, a fork inherits its source's (PROTOCOL §4.2). */
  readonly contentType: string | undefined;
  readonly lifetime: Lifetime;
  /** The stream's own retention settings (a fork without any inherits its source's). */
  readonly retention: Retention;
  readonly closed: boolean;
  readonly body: Uint8Array;
  readonly fork: ForkRequest | undefined;
}

export interface CreateResult {
  readonly created: boolean;
  readonly stream: StreamState;
}

export interface CreateDeps {
  readonly store: Store;
  readonly registry: StreamRegistry;
  readonly removal: Removal;
  readonly accesses: AccessLog;
  readonly events: EventFeed;
  /** Where a fork's source is found. */
  readonly sources: ForkSources;
  /** The store is shared with other servers: the path is read again first. */
  readonly verifyReads: boolean;
  /** How often a create another server won is decided again. */
  readonly conflictRetries: number;
  now(): number;
  refresh(path: string): Promise<boolean>;
  /** A creation time later than every earlier one (StreamState.etagId). */
  nextCreatedAt(): number;
  /** A stream was created (the engine counts internal ones). */
  created(path: string): void;
}

export async function createStream(deps: CreateDeps, path: string, request: CreateRequest): Promise<CreateResult> {
  // A fork holds its source from before it is resolved until it is durable: a delete of the
  // source keeps it (§4.2), and retention leaves it the data the fork starts from.
  const releaseSource = request.fork ? deps.removal.holdSource(request.fork.source) : undefined;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        return await createOnce(deps, path, request);
      } catch (error) {
        if (!(error instanceof StoreConflictError)) throw error;
        // Another server created it first: decide again against what it made.
        if (attempt < deps.conflictRetries) continue;
        throw storeError(error);
      }
    }
  } finally {
    releaseSource?.();
  }
}

async function createOnce(deps: CreateDeps, path: string, request: CreateRequest): Promise<CreateResult> {
  if (deps.verifyReads) await deps.refresh(path);
  const live = await deps.removal.liveForCreate(path);
  const fork = request.fork ? await resolveFork(deps.sources, request, live) : undefined;
  const config: StreamConfig = {
    contentType: fork?.contentType ?? request.contentType ?? DEFAULT_CONTENT_TYPE,
    lifetime: fork?.lifetime ?? request.lifetime,
    retention: fork?.retention ?? request.retention,
    closed: request.closed,
    fork: fork?.origin,
  };
  const decision = decideCreate(live && { config: configOf(live), softDeleted: live.softDeleted }, config);
  if (decision === "exists" && live) {
    deps.accesses.accessed(live);
    return { created: false, stream: live };
  }

  const { data, messages } = frame(config.contentType, request.body, "create");
  const meta = streamMeta(
    {
      path,
      contentType: config.contentType,
      lifetime: config.lifetime,
      createdAt: deps.nextCreatedAt(),
      retention: config.retention,
    },
    config.fork,
    fork?.inherited,
  );
  const start = meta.fork?.position ?? 0;
  const ts = Math.max(deps.now(), meta.inherited?.ts ?? 0);
  const first: AppendRecord | undefined =
    data.length > 0 || config.closed
      ? { position: start, data, producer: undefined, streamSeq: undefined, close: config.closed, ts, messages }
      : undefined;
  const stream = new StreamState(meta, start, config.closed, deps.now());
  if (first) {
    // Nothing in flight yet: the decided view is the visible one.
    stream.tail = start + data.length;
    stream.nextSeq += messages;
    if (messages > 0) stream.lastTs = ts;
  }
  deps.registry.set(stream);
  // Visible to other requests only once durable: they wait on `ready` (read-your-writes).
  stream.ready = deps.store.create(meta, first);
  try {
    await stream.ready;
  } catch (error) {
    deps.registry.forget(stream);
    throw error instanceof StoreConflictError ? error : storeError(error);
  } finally {
    stream.ready = undefined;
  }
  deps.created(path);
  deps.events.emit({ type: "created", path, meta, tail: stream.tail });
  if (data.length > 0) deps.events.emit({ type: "appended", path, start, end: stream.tail, messages });
  if (config.closed) deps.events.emit({ type: "closed", path, tail: stream.tail });
  return { created: true, stream };
}

function configOf(stream: StreamState): StreamConfig {
  return {
    contentType: stream.meta.contentType,
    lifetime: stream.meta.lifetime,
    retention: stream.meta.retention,
    closed: stream.closed,
    fork: stream.meta.fork,
  };
}
