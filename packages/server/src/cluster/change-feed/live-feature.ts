/**
 * Live reads across nodes for a ProtocolApp (ServerOptions.cluster): once the store is open the
 * engine joins the change feed, and at shutdown it leaves it and closes the feed.
 */
import type { Feature } from "../../feature.js";
import { describeError } from "../../http/error-reply.js";
import { type AttachedFeed, type AttachOptions, attachChangeFeed } from "./attach.js";
import type { ChangeFeed } from "./types.js";

/** Live reads across nodes (docs/cluster.md): the feed, and how often waited-on streams are re-checked. */
export interface LiveOptions extends Omit<AttachOptions, "onError"> {
  /** How this node hears of the others' changes: PgChangeFeed, or a ChangeBus's feed in one process. */
  readonly changeFeed: ChangeFeed;
}

export function clusterLiveFeature(options: LiveOptions): Feature {
  return {
    name: "cluster-live",
    setup(host) {
      let attached: AttachedFeed | undefined;
      host.onOpen(async () => {
        await options.changeFeed.open?.();
        attached = attachChangeFeed(host.engine, options.changeFeed, {
          ...options,
          onError: (error, path) => host.logger.warn({ err: describeError(error), path }, "stream re-read failed"),
        });
      });
      host.onClose(async () => {
        attached?.detach();
        await options.changeFeed.close();
      });
    },
  };
}
