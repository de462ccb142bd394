/**
 * Expiry (PROTOCOL §5.1 TTL and Expires-At): streams past their expiry are reclaimed every
 * `sweepIntervalMs`. Reads already treat an expired stream as gone; the sweep frees it. A
 * singleton: in a cluster one node sweeps.
 */
import type { Feature } from "../../feature.js";

export const expiry: Feature = {
  name: "expiry",
  singleton: true,
  setup(host) {
    let sweeper: NodeJS.Timeout | undefined;
    host.onOpen(() => {
      sweeper = setInterval(() => host.engine.sweepExpired(), host.options.sweepIntervalMs);
      sweeper.unref();
    });
    host.onClose(() => clearInterval(sweeper));
  },
};
