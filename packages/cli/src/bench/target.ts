/**
 * The server a bench run loads: its origin, stream root and credentials, and a record of every
 * stream the run creates there so that all of them can be deleted at the end. Stream names
 * carry the run's id (`bench-<id>-…`), so runs never collide and leftovers are easy to find.
 */
import { deleteStreams, type LoadTarget, type TargetHeaders } from "@rivulet/load";

export class BenchTarget implements LoadTarget {
  /** E.g. `bench-m3x9k2-41207`. */
  readonly run: string;
  private readonly createdPaths: string[] = [];
  private readonly subscriptionPaths: string[] = [];

  constructor(
    /** `http://host:port`. */
    readonly origin: string,
    /** The stream root's path, e.g. `/v1/stream` (no trailing slash). */
    readonly root: string,
    readonly headers: TargetHeaders,
    /** With --pid: the server runs on this machine. */
    readonly serverPid: number | undefined,
  ) {
    this.run = `bench-${Date.now().toString(36)}-${process.pid}`;
  }

  /** The path of this run's stream called `name`. */
  path(name: string): string {
    return `${this.root}/${this.run}-${name}`;
  }

  /** Records streams for clean-up (before creating them: a failed create deletes nothing). */
  created(...paths: string[]): void {
    for (const path of paths) this.createdPaths.push(path);
  }

  /** Records `<prefix>0` … `<prefix><count - 1>`. */
  createdRange(prefix: string, count: number): void {
    for (let index = 0; index < count; index++) this.createdPaths.push(`${prefix}${index}`);
  }

  /** Records subscriptions, deleted (again) with the streams: a run cut short leaves none waking. */
  subscribed(...paths: string[]): void {
    for (const path of paths) this.subscriptionPaths.push(path);
  }

  /** How many streams are recorded for deletion. */
  get recorded(): number {
    return this.createdPaths.length;
  }

  /**
   * Deletes every subscription and stream recorded (a 404 counts as deleted: the scenario
   * deletes its subscriptions itself). The counts are the streams'; a subscription that could
   * not be deleted counts as a failure too.
   */
  async deleteAll(connections: number): Promise<{ deleted: number; failed: number; firstError?: string }> {
    const subscriptions = await this.deleteEach(this.subscriptionPaths.splice(0), connections);
    const streams = await this.deleteEach(this.createdPaths.splice(0), connections);
    const firstError = subscriptions.firstError ?? streams.firstError;
    return {
      deleted: streams.deleted,
      failed: subscriptions.failed + streams.failed,
      ...(firstError === undefined ? {} : { firstError }),
    };
  }

  private async deleteEach(
    paths: readonly string[],
    connections: number,
  ): Promise<{ deleted: number; failed: number; firstError?: string }> {
    if (paths.length === 0) return { deleted: 0, failed: 0 };
    const result = await deleteStreams({
      origin: this.origin,
      headers: this.headers,
      paths,
      connections: Math.min(connections, paths.length),
      timeoutMs: 600_000,
    });
    const failed = paths.length - result.deleted;
    return {
      deleted: result.deleted,
      failed,
      ...(result.firstError === undefined ? {} : { firstError: result.firstError }),
    };
  }
}
