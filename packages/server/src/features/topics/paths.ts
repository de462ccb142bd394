/**
 * Where a topic's streams live (docs/kafka-layer.md, "Partition streams"): partition p of
 * topic t is the plain stream `{base}/{prefix}/t/p` — readable, appendable and forkable by any
 * Durable Streams client — and `{base}/{prefix}/__changes` is the change feed. Outside the
 * reserved `__ds` segment on purpose: partitions must be ordinary streams, which no `__ds` path
 * is. One prefix holds them all, so access can be granted per topic with path patterns (a
 * topic's own path `{base}/{prefix}/t` guards its admin calls), and topic names can never meet
 * the feed: names starting with `__` are reserved.
 */
export class TopicPaths {
  readonly root: string;
  readonly feed: string;

  constructor(basePath: string, prefix: string) {
    this.root = `${basePath}/${prefix}`;
    this.feed = `${this.root}/__changes`;
  }

  /** The topic's own path: what access control checks its admin and produce calls against. */
  topic(name: string): string {
    return `${this.root}/${name}`;
  }

  partition(name: string, partition: number): string {
    return `${this.root}/${name}/${partition}`;
  }
}
