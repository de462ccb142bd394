/**
 * A stream's latest access as the servers recorded it (Store.touch), so a sliding TTL
 * (PROTOCOL §5.1) counts the reads and writes every server saw. Null until the first one: the
 * creation counts as the first access.
 */
export const migration = {
  version: 3,
  name: "last-access",
  sql: `
ALTER TABLE rivulet_streams ADD COLUMN IF NOT EXISTS last_access bigint;
`,
};
