/**
 * A Rivulet server in-process for tests, with short live timeouts. `serveFrom` swaps what
 * `startTestServer` starts, so a broad test file runs unchanged against another target
 * (cluster.test.ts runs them against three nodes behind a round-robin proxy).
 */
import { type ListenOptions, MemoryStore, type RivuletServer, startServer } from "@rivulet/server";

export interface TestServer {
  /** The server, when the target is one in-process server. */
  readonly server?: RivuletServer;
  readonly url: string;
  /** A URL for a stream name unique to this run. */
  streamUrl(name: string, base?: string): string;
  close(): Promise<void>;
}

let counter = 0;

export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Starts what a test talks to, with the test's options on top of the defaults; answers its URL. */
export type ServerTarget = (options: ListenOptions) => Promise<Omit<TestServer, "streamUrl">>;

const oneServer: ServerTarget = async (options) => {
  const server = await startServer({ port: 0, store: new MemoryStore(), ...options });
  return { server, url: server.url, close: () => server.close() };
};

let target: ServerTarget = oneServer;

/** From now on (in this test file), `startTestServer` starts `next` instead of one memory-store server. */
export function serveFrom(next: ServerTarget): void {
  target = next;
}

export async function startTestServer(options: ListenOptions = {}): Promise<TestServer> {
  const started = await target({ longPollTimeoutMs: 500, ...options });
  return {
    ...started,
    streamUrl: (name, base = started.url) => `${base}/v1/stream/${uniqueName(name)}`,
  };
}

/** Polls `condition` until it holds (or fails the test after `timeoutMs`). */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
