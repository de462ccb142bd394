/**
 * A FileIo for crash tests. `crash()` does to a FileStore what the death of its process does:
 * every file it opened is closed, and nothing it starts afterwards reaches the disk (those
 * calls never settle). A store that is only abandoned keeps its descriptors until garbage
 * collection closes them ("Closing file descriptor on garbage collection"), and its background
 * work (log preallocation, checkpoints, interval fsyncs) keeps writing to the directory that
 * the next store has reopened.
 *
 * A dead process's directory lock is stale because its pid is gone; here the process lives on,
 * so `crash()` removes the locks the store took, as the next start would take them over.
 */
import type { FileHandle } from "node:fs/promises";
import { type FileIo, nodeIo } from "@rivulet/server";

export interface CrashableIo extends FileIo {
  readonly crashed: boolean;
  crash(): Promise<void>;
}

const METHODS = [
  "open",
  "writev",
  "read",
  "datasync",
  "truncate",
  "syncDir",
  "readFile",
  "writeFile",
  "rename",
  "unlink",
  "readdir",
  "mkdir",
  "readlink",
  "freeBytes",
] as const satisfies ReadonlyArray<keyof FileIo>;

/** Wraps `base`, whose methods are looked up at each call (tests replace them mid-test). */
export function crashableIo(base: FileIo = nodeIo): CrashableIo {
  const handles = new Set<FileHandle>();
  const locks = new Set<string>();
  let crashed = false;
  const never = () => new Promise<never>(() => {});
  const io = Object.fromEntries(
    METHODS.map((name) => [
      name,
      (...args: unknown[]) => (crashed ? never() : (base[name] as (...a: unknown[]) => Promise<unknown>)(...args)),
    ]),
  ) as unknown as FileIo;
  return {
    ...io,
    async open(path, flags) {
      if (crashed) return never();
      const handle = await base.open(path, flags);
      if (crashed) {
        await handle.close();
        return never();
      }
      handles.add(handle);
      return handle;
    },
    async symlink(target, path) {
      if (crashed) return never();
      await base.symlink(target, path);
      locks.add(path);
    },
    get crashed() {
      return crashed;
    },
    async crash() {
      crashed = true;
      // Closing waits for operations already under way; closing a closed handle does nothing.
      await Promise.all([...handles].map((handle) => handle.close().catch(() => {})));
      handles.clear();
      await Promise.all([...locks].map((lock) => nodeIo.unlink(lock).catch(() => {})));
      locks.clear();
    },
  };
}
