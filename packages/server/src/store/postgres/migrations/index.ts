/** Every schema migration, in version order: the runner applies the ones a database lacks. */
import { migration as streams } from "./0001-streams.js";
import { migration as cluster } from "./0002-cluster.js";
import { migration as lastAccess } from "./0003-last-access.js";

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [streams, cluster, lastAccess];
