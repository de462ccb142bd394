/** A Rivulet server in-process for tests, with short live timeouts. */
import { type ListenOptions, MemoryStore, type RivuletServer, startServer } from "@rivulet/server";

export interface TestServer {
  readonly server: RivuletServer;
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

export async function startTestServer(options: ListenOptions = {}): Promise<TestServer> {
  const server = await startServer({ port: 0, store: new MemoryStore(), longPollTimeoutMs: 500, ...options });
  return {
    server,
    url: server.url,
    streamUrl: (name, base = server.url) => `${base}/v1/stream/${uniqueName(name)}`,
    close: () => server.close(),
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
