/** The names under which a topics feature offers its directory and stats to consumer groups. */
import { serviceKey } from "../../../feature.js";
import type { PartitionStats, TopicDirectory } from "./types.js";

export const TOPIC_DIRECTORY = serviceKey<TopicDirectory>("topic-directory");
export const PARTITION_STATS = serviceKey<PartitionStats>("partition-stats");
