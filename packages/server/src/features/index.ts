/** The features every server mounts; embedders may add their own through `ServerOptions.features`. */
import type { Feature } from "../feature.js";
import { adminList } from "./admin-list/index.js";
import { capabilities } from "./capabilities/index.js";
import { dashboard } from "./dashboard/index.js";
import { expiry } from "./expiry/index.js";
import { groups } from "./groups/index.js";
import { liveMetrics } from "./live-metrics/index.js";
import { retention } from "./retention/index.js";
import { subscriptions } from "./subscriptions/index.js";
import { topics } from "./topics/index.js";
import { transactions } from "./transactions/index.js";

export const builtInFeatures: readonly Feature[] = [
  adminList,
  liveMetrics,
  dashboard,
  capabilities,
  expiry,
  retention,
  subscriptions,
  topics,
  groups,
  transactions,
];
