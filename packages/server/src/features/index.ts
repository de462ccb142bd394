/** The features every server mounts; embedders may add their own through `ServerOptions.features`. */
import type { Feature } from "../feature.js";
import { adminList } from "./admin-list/index.js";
import { dashboard } from "./dashboard/index.js";
import { liveMetrics } from "./live-metrics/index.js";

export const builtInFeatures: readonly Feature[] = [adminList, liveMetrics, dashboard];
