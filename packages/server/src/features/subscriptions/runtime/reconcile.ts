/**
 * At open, after the state log is replayed: every linked stream's current extent (a stream
 * deleted or re-created while the server was down ends or resets its cursor), and pattern
 * links for streams created since the subscription that have no logged cursor yet — they are
 * linked at their start, as they were before the restart (PROTOCOL §6.2: streams discovered
 * later are linked before their first append). Each distinct literal prefix is listed once.
 */
import type { Subscription } from "../state/model.js";
import { type Core, currentExtent, fullPath, relativePath } from "./core.js";

const PAGE = 1000;

export async function reconcile(core: Core): Promise<void> {
  const { set, engine } = core;
  const linked = new Set<string>();
  for (const sub of set.subscriptions.values()) for (const path of sub.links.keys()) linked.add(path);
  for (const path of linked) {
    const extent = await currentExtent(engine, fullPath(core, path));
    if (extent) set.setExtent(path, extent);
    else set.unlinkDeleted(path);
  }
  const byPrefix = new Map<string, Subscription[]>();
  for (const [id, glob] of set.patterns()) {
    const prefix = glob.literalPrefix;
    byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), set.get(id)!]);
  }
  for (const [prefix, subs] of byPrefix) await linkCreatedSince(core, prefix, subs);
}

async function linkCreatedSince(core: Core, literalPrefix: string, subs: readonly Subscription[]): Promise<void> {
  const { set, engine } = core;
  const prefix = fullPath(core, literalPrefix);
  let after: string | undefined;
  for (;;) {
    const page = await engine.store.list({ prefix, after, limit: PAGE });
    for (const stored of page) {
      const relative = relativePath(core, stored.meta.path);
      if (relative === undefined || stored.softDeleted) continue;
      const extent = await currentExtent(engine, stored.meta.path, stored);
      if (!extent) continue;
      for (const sub of subs) {
        if (sub.links.has(relative) || relative === sub.config.wake_stream) continue;
        if (!set.patterns().get(sub.id)?.matches(relative)) continue;
        const linkedNow = set.linkByPattern(sub, relative, {
          explicit: false,
          glob: true,
          stream: extent.stream,
          acked: extent.start,
        });
        if (!linkedNow)
          core.logger.warn({ subscription: sub.id, stream: relative }, "subscription stream limit reached");
      }
      if (set.isLinked(relative)) set.setExtent(relative, extent);
    }
    if (page.length < PAGE) return;
    after = page[page.length - 1]!.meta.path;
  }
}
