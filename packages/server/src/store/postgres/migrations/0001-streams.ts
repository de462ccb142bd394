/**
 * The stream tables (docs/cluster.md). Every table's primary key starts with the stream
 * path, so one stream's rows sit together and a sharded deployment distributes all of them by
 * path (co-located). Paths use the "C" collation: listings page in byte order, whatever the
 * database's locale.
 */
export const migration = {
  version: 1,
  name: "streams",
  sql: `
CREATE TABLE rivulet_streams (
  path text COLLATE "C" PRIMARY KEY,
  content_type text NOT NULL,
  lifetime jsonb NOT NULL,
  has_lifetime boolean NOT NULL,
  created_at bigint NOT NULL,
  fork_source text COLLATE "C",
  fork_position bigint,
  retention jsonb NOT NULL,
  inherited jsonb,
  unit_bytes integer NOT NULL,
  tail bigint NOT NULL,
  earliest bigint NOT NULL,
  next_seq bigint NOT NULL,
  last_ts bigint NOT NULL,
  closed boolean NOT NULL DEFAULT false,
  closed_by jsonb,
  last_stream_seq text,
  soft_deleted boolean NOT NULL DEFAULT false,
  stored_bytes bigint NOT NULL DEFAULT 0
);
CREATE INDEX rivulet_streams_forks ON rivulet_streams (fork_source) WHERE fork_source IS NOT NULL;
CREATE INDEX rivulet_streams_lifetimes ON rivulet_streams (path) WHERE has_lifetime;

CREATE TABLE rivulet_chunks (
  path text COLLATE "C" NOT NULL,
  position bigint NOT NULL,
  length integer NOT NULL,
  data bytea NOT NULL,
  holes bytea,
  PRIMARY KEY (path, position)
);
ALTER TABLE rivulet_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

CREATE TABLE rivulet_index (
  path text COLLATE "C" NOT NULL,
  position bigint NOT NULL,
  seq bigint NOT NULL,
  ts bigint NOT NULL,
  PRIMARY KEY (path, position)
);
CREATE INDEX rivulet_index_times ON rivulet_index (path, ts, position);

CREATE TABLE rivulet_producers (
  path text COLLATE "C" NOT NULL,
  producer_id text NOT NULL,
  epoch bigint NOT NULL,
  last_seq bigint NOT NULL,
  last_end bigint,
  last_first_seq bigint,
  last_ts bigint,
  last_messages bigint,
  PRIMARY KEY (path, producer_id)
);
`,
};
