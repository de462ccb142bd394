/**
 * `GET {base}/__ds/capabilities`: the protocol extensions this server supports and their
 * versions, `{"extensions": {"records": 1, …}}` (docs/extensions.md), so clients detect them
 * instead of guessing. Any authenticated client may ask: it says nothing about any stream.
 */
import { NO_STORE } from "@rivulet/protocol";
import type { Feature } from "../../feature.js";
import { reply } from "../../http/exchange.js";

const encoder = new TextEncoder();

export const capabilities: Feature = {
  name: "capabilities",
  setup(host) {
    host.route({
      method: "GET",
      path: "__ds/capabilities",
      operation: "capabilities",
      access: "authenticated",
      handle: async () =>
        reply(200, { "content-type": "application/json", "cache-control": NO_STORE }, [
          encoder.encode(JSON.stringify({ extensions: host.capabilities.toJson() })),
        ]),
    });
  },
};
