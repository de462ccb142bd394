/** The admin listing of streams, `GET {base}/__ds/streams` (see list.ts). */
import type { Feature } from "../../feature.js";
import { handleList } from "./list.js";

export const adminList: Feature = {
  name: "admin-list",
  setup(host) {
    host.route({ method: "GET", path: "__ds/streams", operation: "list", access: "admin", handle: handleList });
  },
};
