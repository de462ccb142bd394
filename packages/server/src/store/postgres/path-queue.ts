/**
 * Writes to one stream leave this node in the order they were submitted: the engine pipelines
 * appends (each names the position the one before it ends at), and two transactions racing
 * for the row lock could otherwise reach it out of order and refuse each other. A write over
 * several streams (appendAtomic) waits for the writes before it on each of them.
 */
export class PathQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(paths: readonly string[], work: () => Promise<T>): Promise<T> {
    const unique = [...new Set(paths)];
    const before = unique.map((path) => this.tails.get(path));
    const result = Promise.all(before).then(work);
    const settled = result.then(
      () => {},
      () => {},
    );
    for (const path of unique) this.tails.set(path, settled);
    void settled.then(() => {
      for (const path of unique) if (this.tails.get(path) === settled) this.tails.delete(path);
    });
    return result;
  }
}
