/**
 * Managing subscriptions (PROTOCOL §6.2–6.4): create or re-confirm (with the backfill of
 * existing streams at their tails), delete, add and remove explicit streams. One subscription
 * id is managed by one request at a time. Every change is durable before it is answered.
 */
import { randomBytes } from "node:crypto";
import { ProtocolError } from "@rivulet/protocol";
import { configHash, type ParsedConfig, relativeStreamPath } from "../config.js";
import { compileGlob } from "../glob.js";
import type { StreamExtent } from "../state/decide.js";
import type { Subscription } from "../state/model.js";
import type { LinkEntry, SubscriptionRecord } from "../state/records.js";
import { currentExtent, fullPath, liveExtent, relativePath } from "./core.js";
import type { Backfill, SubscriptionService } from "./service.js";

const PAGE = 1000;

export interface CreateResult {
  readonly created: boolean;
  readonly sub: Subscription;
}

/** §6.2: 201 for a new subscription, 200 for an identical one, 409 for a different one under the same id. */
export function createSubscription(
  service: SubscriptionService,
  id: string,
  parsed: ParsedConfig,
  publicBase: string,
): Promise<CreateResult> {
  return service.locks.run(id, async () => {
    service.ensureOpen();
    const hash = configHash(parsed.config);
    const existing = service.set.get(id);
    if (existing) {
      if (existing.hash === hash) return { created: false, sub: existing };
      throw new ProtocolError("SUBSCRIPTION_EXISTS", `Subscription ${id} exists with a different configuration`);
    }
    const max = service.settings.maxSubscriptions;
    if (service.set.size >= max) {
      throw new ProtocolError("SUBSCRIPTION_LIMIT_REACHED", `This server holds its limit of ${max} subscriptions`);
    }
    // Wakes are signed and carry tokens: the key and secret exist before the first subscription.
    await service.ensureKeys();
    const links = finalLinks(service, await initialLinks(service, parsed));
    const record: SubscriptionRecord = {
      t: "sub",
      id,
      inc: randomBytes(9).toString("base64url"),
      config: parsed.config,
      hash,
      at: service.now(),
      base: publicBase,
      gen: 0,
      links: links.entries,
      wake: null,
      retry: null,
    };
    const saved = service.commit([record]);
    // Newer than the listing: appends made while it was read.
    for (const [path] of links.entries) service.set.setExtent(path, links.extents.get(path));
    await saved;
    const sub = service.set.get(id)!;
    service.waker.poke(sub);
    return { created: true, sub };
  });
}

/** §6.3: deletion tombstones the subscription; its wake's callbacks fail from now on. */
export function deleteSubscription(service: SubscriptionService, id: string): Promise<void> {
  return service.locks.run(id, async () => {
    service.ensureOpen();
    if (!service.set.get(id)) throw notFound(id);
    service.waker.forget(id);
    await service.commit([{ t: "delete", id }]);
  });
}

/** §6.4: new explicit streams are linked at their current tail; adding a linked one is idempotent. */
export function addStreams(service: SubscriptionService, id: string, raw: unknown): Promise<void> {
  return service.locks.run(id, async () => {
    service.ensureOpen();
    const sub = service.set.get(id);
    if (!sub) throw notFound(id);
    if (!Array.isArray(raw) || raw.length === 0) {
      throw new ProtocolError("BAD_REQUEST", 'The body must be {"streams": [stream paths]}');
    }
    const rules = { basePath: service.basePath, maxPathBytes: service.options.maxPathBytes };
    const paths = [...new Set(raw.map((entry) => relativeStreamPath(entry, "streams", rules)))];
    if (sub.config.wake_stream !== null && paths.includes(sub.config.wake_stream)) {
      throw new ProtocolError("INVALID_SUBSCRIPTION", "A pull-wake subscription cannot link its own wake stream");
    }
    const added = paths.filter((path) => !sub.links.get(path)?.explicit);
    const newLinks = added.filter((path) => !sub.links.has(path)).length;
    checkLinkLimit(service, sub.links.size + newLinks);
    const looked = new Map<string, StreamExtent | undefined>();
    for (const path of added) looked.set(path, await currentExtent(service.engine, fullPath(service, path)));
    if (service.set.get(id) !== sub) throw notFound(id);
    // From here to the commit nothing waits, so no append can fall between the tail read and the link.
    const extents = new Map<string, StreamExtent | undefined>();
    for (const path of added) extents.set(path, liveExtent(service.engine, fullPath(service, path), looked.get(path)));
    const records: SubscriptionRecord[] = added.map((path) => {
      const extent = extents.get(path);
      return { t: "link", id, path, stream: extent?.stream ?? null, acked: extent?.tail ?? 0 };
    });
    const saved = service.commit(records);
    for (const path of added) service.set.setExtent(path, extents.get(path));
    await saved;
  });
}

/** §6.4: removes only the explicit link (a matching pattern keeps the stream linked); absent is fine. */
export function removeStream(service: SubscriptionService, id: string, rawPath: string): Promise<void> {
  return service.locks.run(id, async () => {
    service.ensureOpen();
    const sub = service.set.get(id);
    if (!sub) throw notFound(id);
    const path = relativeStreamPath(rawPath, "path", {
      basePath: service.basePath,
      maxPathBytes: service.options.maxPathBytes,
    });
    if (!sub.links.get(path)?.explicit) return;
    await service.commit([{ t: "unlink", id, path }]);
  });
}

export function notFound(id: string): ProtocolError {
  return new ProtocolError("SUBSCRIPTION_NOT_FOUND", `No subscription ${id}`);
}

interface InitialLink {
  readonly explicit: boolean;
  readonly glob: boolean;
  /** The stream as looked up (refreshed from memory when the links are final). */
  readonly extent: StreamExtent | undefined;
  /** New streams start at their start, existing ones at their tail. */
  readonly atStart: boolean;
}

/**
 * The links a subscription starts with: its explicit streams, and (§6.2) every existing
 * stream its pattern matches, found through the store's listing — all at their current tail,
 * so creation replays no history. Streams created while the listing runs are linked at
 * their start instead: they are new.
 */
async function initialLinks(service: SubscriptionService, { config }: ParsedConfig): Promise<Map<string, InitialLink>> {
  const glob = config.pattern === null ? undefined : compileGlob(config.pattern, service.globLimits);
  const links = new Map<string, InitialLink>();
  const backfill: Backfill = { matches: (path) => !!glob?.matches(path), created: new Set() };
  service.backfills.add(backfill);
  try {
    for (const path of config.streams) {
      const extent = await currentExtent(service.engine, fullPath(service, path));
      // A pattern links only streams that exist.
      links.set(path, { explicit: true, glob: !!extent && !!glob?.matches(path), extent, atStart: false });
    }
    if (glob) {
      let after: string | undefined;
      for (;;) {
        const prefix = fullPath(service, glob.literalPrefix);
        const page = await service.engine.store.list({ prefix, after, limit: PAGE });
        for (const stored of page) {
          const relative = relativePath(service, stored.meta.path);
          if (relative === undefined || links.has(relative) || relative === config.wake_stream) continue;
          if (!glob.matches(relative) || backfill.created.has(relative)) continue;
          const extent = await currentExtent(service.engine, stored.meta.path, stored);
          if (!extent) continue;
          links.set(relative, { explicit: false, glob: true, extent, atStart: false });
          checkLinkLimit(service, links.size);
        }
        if (page.length < PAGE) break;
        after = page[page.length - 1]!.meta.path;
      }
    }
    for (const path of backfill.created) {
      if (path === config.wake_stream) continue;
      const existing = links.get(path);
      const extent = await currentExtent(service.engine, fullPath(service, path));
      links.set(path, { explicit: existing?.explicit ?? false, glob: true, extent, atStart: true });
    }
  } finally {
    service.backfills.delete(backfill);
  }
  checkLinkLimit(service, links.size);
  return links;
}

/**
 * The cursors to log, from the streams as they are in memory now (synchronously, right before
 * the commit): a pattern link whose stream is gone is dropped, an explicit one waits at 0.
 */
function finalLinks(
  service: SubscriptionService,
  links: ReadonlyMap<string, InitialLink>,
): { entries: LinkEntry[]; extents: Map<string, StreamExtent | undefined> } {
  const entries: LinkEntry[] = [];
  const extents = new Map<string, StreamExtent | undefined>();
  for (const [path, link] of links) {
    const extent = liveExtent(service.engine, fullPath(service, path), link.extent);
    if (!extent && !link.explicit) continue;
    const same = extent !== undefined && link.extent?.stream === extent.stream;
    const acked = !extent ? 0 : link.atStart || !same ? extent.start : link.extent!.tail;
    entries.push([path, extent?.stream ?? null, acked, link.explicit, link.glob && !!extent]);
    extents.set(path, extent);
  }
  return { entries, extents };
}

function checkLinkLimit(service: SubscriptionService, count: number): void {
  const max = service.settings.maxStreamsPerSubscription;
  if (count > max) {
    throw new ProtocolError("TOO_MANY_SUBSCRIPTION_STREAMS", `A subscription may link at most ${max} streams`);
  }
}
