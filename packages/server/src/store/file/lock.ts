/**
 * Exclusive ownership of a data directory: two processes writing one directory would give the
 * same ids to different streams and overwrite each other's files. Node has no flock, so:
 *
 * - A lock is a symbolic link `lock.<n>` whose target names its holder: `pid:start:boot`
 *   (the process start time from /proc tells a reused pid apart; the boot id, a reboot). A
 *   symlink is created atomically with its content, and needs no data block, so even a full
 *   disk can be locked.
 * - The highest-numbered lock is the live one. It is stale when its holder's boot id differs,
 *   its pid is gone, or its pid now belongs to a process started at another time: a lock left
 *   by `kill -9` or a power loss never blocks the next start.
 * - To take over a stale `lock.<n>`, a starter creates `lock.<n+1>` (exclusive: of two racing
 *   starters exactly one succeeds), then checks that no higher lock appeared. Stale locks are
 *   never removed by name before that, so no starter can delete a lock another just took.
 */
import { join } from "node:path";
import { DataDirLockedError } from "../errors.js";
import { bootId, pidExists, processStartTime } from "./host.js";
import type { FileIo } from "./io.js";

const NAME = /^lock\.(\d+)$/;
const ATTEMPTS = 20;

export interface DirLock {
  readonly file: string;
  release(): Promise<void>;
}

interface Holder {
  readonly pid: number;
  readonly start: string | undefined;
  readonly boot: string | undefined;
}

export async function lockDataDir(io: FileIo, dir: string): Promise<DirLock> {
  const me = await ownIdentity();
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const locks = await listLocks(io, dir);
    const top = locks[0];
    if (top !== undefined) {
      const holder = await readHolder(io, dir, top);
      if (holder === "gone") continue; // released meanwhile: look again
      if (holder && (await isAlive(holder))) throw new DataDirLockedError(dir, holder.pid);
    }
    const mine = (top ?? 0) + 1;
    const file = join(dir, `lock.${mine}`);
    try {
      await io.symlink(me, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") continue; // another starter won this number
      throw error;
    }
    if ((await listLocks(io, dir))[0] !== mine) {
      // A starter that read the list before ours took a higher number: it holds the lock.
      await io.unlink(file).catch(() => {});
      continue;
    }
    for (const stale of locks) await io.unlink(join(dir, `lock.${stale}`)).catch(() => {});
    await io.syncDir(dir);
    return { file, release: () => io.unlink(file).catch(() => {}) };
  }
  throw new Error(`Could not lock data directory ${dir}: it keeps changing hands`);
}

/** Lock numbers in the directory, highest first. */
async function listLocks(io: FileIo, dir: string): Promise<number[]> {
  const numbers: number[] = [];
  for (const name of await io.readdir(dir)) {
    const match = NAME.exec(name);
    if (match) numbers.push(Number(match[1]));
  }
  return numbers.sort((a, b) => b - a);
}

/** The lock's holder; undefined when its target is not ours to read (stale); `gone` if it vanished. */
async function readHolder(io: FileIo, dir: string, n: number): Promise<Holder | undefined | "gone"> {
  let target: string;
  try {
    target = await io.readlink(join(dir, `lock.${n}`));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "gone";
    throw error;
  }
  const [pid, start, boot] = target.split(":");
  const number = Number(pid);
  if (!Number.isInteger(number) || number <= 0) return undefined;
  return { pid: number, start: known(start), boot: known(boot) };
}

async function isAlive(holder: Holder): Promise<boolean> {
  const boot = await bootId();
  if (holder.boot && boot && holder.boot !== boot.slice(0, 16)) return false;
  if (!pidExists(holder.pid)) return false;
  const start = await processStartTime(holder.pid);
  return !(holder.start && start && holder.start !== start);
}

async function ownIdentity(): Promise<string> {
  // Short enough (well under 60 bytes) to be stored inside the inode on ext4.
  const start = (await processStartTime(process.pid)) ?? "?";
  const boot = (await bootId())?.slice(0, 16) ?? "?";
  return `${process.pid}:${start}:${boot}`;
}

function known(value: string | undefined): string | undefined {
  return value === undefined || value === "?" || value === "" ? undefined : value;
}
