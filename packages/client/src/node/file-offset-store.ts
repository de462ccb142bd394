/**
 * Checkpoints in a JSON file (Node only; imported from `@rivulet/client/node`). Writes go to
 * a temporary file that is fsynced and renamed over the old one, so a crash leaves either the
 * old or the new checkpoints, never a torn file. Saves are serialised.
 */
import { mkdir, open, readFile, rename } from "node:fs/promises";
import { dirname } from "node:path";
import type { OffsetStore } from "../consumer/offset-store.js";

export class FileOffsetStore implements OffsetStore {
  #offsets: Record<string, string> | undefined;
  #queue: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  async load(key: string): Promise<string | undefined> {
    const offsets = await this.#read();
    return offsets[key];
  }

  save(key: string, offset: string): Promise<void> {
    const write = this.#queue.then(async () => {
      const offsets = await this.#read();
      offsets[key] = offset;
      await this.#write(offsets);
    });
    // A failed save must not block later ones.
    this.#queue = write.catch(() => {});
    return write;
  }

  async #read(): Promise<Record<string, string>> {
    if (this.#offsets) return this.#offsets;
    try {
      const parsed: unknown = JSON.parse(await readFile(this.path, "utf8"));
      this.#offsets = isStringRecord(parsed) ? parsed : {};
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      this.#offsets = {};
    }
    return this.#offsets;
  }

  async #write(offsets: Record<string, string>): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    const handle = await open(temporary, "w");
    try {
      await handle.writeFile(JSON.stringify(offsets));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, this.path);
  }
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === "string")
  );
}
