/**
 * The admin listing of streams, `GET {base}/__ds/streams` (list.ts): pages, a bounded search
 * (search.ts), and each stream's recent activity, kept from the engine's events (activity.ts).
 */
import type { Feature } from "../../feature.js";
import { ActivityTable } from "./activity.js";
import { listHandler } from "./list.js";

/** A search request scans at most this many streams: bounded work at any number of streams. */
export const SEARCH_SCAN_LIMIT = 10_000;

export const adminList: Feature = {
  name: "admin-list",
  setup(host) {
    const activity = new ActivityTable(host.engine.now);
    host.engine.events.on("created", (event) => {
      if (!event.remote) activity.created(event.path);
    });
    // Activity is what this node wrote: another node's notice does not say how many messages.
    host.engine.events.on("appended", (event) => {
      if (!event.remote) activity.appended(event.path, event.messages);
    });
    host.engine.events.on("deleted", (event) => activity.deleted(event.path));
    host.route({
      method: "GET",
      path: "__ds/streams",
      operation: "list",
      access: "admin",
      handle: listHandler(activity, SEARCH_SCAN_LIMIT),
    });
  },
};
