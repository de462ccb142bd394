/**
 * Cluster coordination (docs/cluster.md): the nodes of a cluster and the leases that say
 * which node runs the work that must run once. Both are tiny and written about once a second
 * per node; in a Citus deployment they are reference tables (`create_reference_table`), so a
 * fence check joins them locally on every worker that holds a feature's state log.
 */
export const migration = {
  version: 2,
  name: "cluster",
  sql: `
CREATE TABLE IF NOT EXISTS rivulet_nodes (
  node_id text PRIMARY KEY,
  advertised_url text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS rivulet_leases (
  name text PRIMARY KEY,
  holder text NOT NULL,
  epoch bigint NOT NULL,
  expires_at timestamptz NOT NULL
);
`,
};
