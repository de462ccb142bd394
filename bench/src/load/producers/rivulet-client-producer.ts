/**
 * Rivulet's own client (`packages/client`), loaded from its TypeScript sources at run time so
 * the benchmark works while the package is still being written: if the module or its producer
 * is missing, `loadRivuletProducer` says why instead of failing the whole run.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_ROOT } from "../../core/repo-root.js";
import type { ProducerLike, ProducerSetup } from "./producer-like.js";

/** The part of the client's API this benchmark relies on. */
interface ClientProducer {
  append(item: unknown): void;
  flush(): Promise<unknown>;
  close?(options?: unknown): Promise<unknown>;
}
interface ClientHandle {
  producer?(id: string, options?: Record<string, unknown>): ClientProducer;
}
interface ClientModule {
  DurableStream?: new (options: { url: string; contentType?: string }) => ClientHandle;
  IdempotentProducer?: new (handle: ClientHandle, id: string, options?: Record<string, unknown>) => ClientProducer;
}

export const RIVULET_CLIENT_ENTRY = join(REPO_ROOT, "packages/client/src/index.ts");

export type Loaded = { ok: true; make: (setup: ProducerSetup) => ProducerLike } | { ok: false; reason: string };

export async function loadRivuletProducer(): Promise<Loaded> {
  if (!existsSync(RIVULET_CLIENT_ENTRY))
    return { ok: false, reason: "packages/client/src/index.ts does not exist yet" };
  let module: ClientModule;
  try {
    module = (await import(pathToFileURL(RIVULET_CLIENT_ENTRY).href)) as ClientModule;
  } catch (error) {
    return { ok: false, reason: `packages/client does not load: ${String(error).split("\n")[0]}` };
  }
  const { DurableStream, IdempotentProducer } = module;
  if (!DurableStream) return { ok: false, reason: "packages/client exports no DurableStream" };
  if (!IdempotentProducer) return { ok: false, reason: "packages/client exports no IdempotentProducer" };
  return { ok: true, make: (setup) => adapt(DurableStream, IdempotentProducer, setup) };
}

function adapt(
  DurableStream: NonNullable<ClientModule["DurableStream"]>,
  IdempotentProducer: NonNullable<ClientModule["IdempotentProducer"]>,
  setup: ProducerSetup,
): ProducerLike {
  const contentType = setup.json ? "application/json" : "application/octet-stream";
  const handle = new DurableStream({ url: setup.url, contentType });
  let failure: unknown;
  const options = { onError: (error: unknown) => (failure ??= error) };
  const producer = new IdempotentProducer(handle, `rivulet-client-${process.pid}`, options);
  return {
    // JSON streams take values (the client encodes them); the benchmark's messages are JSON
    // text, parsed once per distinct message by the caller's cache below.
    append: setup.json ? (message) => producer.append(parsed(message)) : (message) => producer.append(message),
    async flush() {
      await producer.flush();
      if (failure) throw failure;
    },
    async close() {
      await producer.close?.();
    },
  };
}

let lastText = "";
let lastValue: unknown;
function parsed(message: string): unknown {
  if (message !== lastText) {
    lastText = message;
    lastValue = JSON.parse(message);
  }
  return lastValue;
}
