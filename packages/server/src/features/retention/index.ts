/**
 * Retention and trim (docs/extensions.md): per-stream settings through the admin API, explicit
 * trims, and the background reclaimer. The rules are shared engine code (engine/trim.ts,
 * engine/retention-rules.ts); stores only persist the earliest position and drop units.
 */
import type { Feature } from "../../feature.js";
import { Reclaimer } from "./reclaimer.js";
import { handlePatch, handleSettings } from "./settings.js";
import { adminOnStream } from "./stream-path.js";
import { handleTrim } from "./trim.js";

/** Streams checked and units freed per tick: a bounded share of the disk for reclaiming. */
const STREAMS_PER_TICK = 64;
const UNITS_PER_TICK = 4;

export const retention: Feature = {
  name: "retention",
  singleton: true,
  setup(host) {
    host.capability("retention", 1);
    host.capability("trim", 1);
    const access = adminOnStream(host.options);
    host.route({
      method: "GET",
      path: "__ds/streams/*path",
      operation: "retention-get",
      access,
      handle: handleSettings,
    });
    host.route({
      method: "PATCH",
      path: "__ds/streams/*path",
      operation: "retention-set",
      access,
      handle: handlePatch,
    });
    host.route({ method: "POST", path: "__ds/trim/*path", operation: "trim", access, handle: handleTrim });
    const reclaimer = new Reclaimer(
      host.engine,
      { intervalMs: host.options.retentionIntervalMs, maxStreams: STREAMS_PER_TICK, maxUnits: UNITS_PER_TICK },
      host.logger,
    );
    host.onOpen(() => reclaimer.start());
    host.onClose(() => reclaimer.stop());
  },
};
