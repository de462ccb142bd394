/**
 * Node `diagnostics_channel` publishing without importing a Node module. The module is
 * fetched through `process.getBuiltinModule` (Node ≥ 20.16, Bun, Deno), so a browser or
 * Workers bundle contains no `node:` specifier and simply skips publishing.
 */

interface Channel {
  readonly hasSubscribers: boolean;
  publish(message: unknown): void;
}

interface DiagnosticsChannelModule {
  channel(name: string): Channel;
}

type ProcessWithBuiltins = { getBuiltinModule?: (id: string) => unknown };

/** undefined: not looked up yet; null: not available in this runtime. */
let module: DiagnosticsChannelModule | null | undefined;
const channels = new Map<string, Channel>();

function loadModule(): DiagnosticsChannelModule | null {
  try {
    const proc = (globalThis as { process?: ProcessWithBuiltins }).process;
    const found = proc?.getBuiltinModule?.("node:diagnostics_channel") as DiagnosticsChannelModule | undefined;
    return found && typeof found.channel === "function" ? found : null;
  } catch {
    return null;
  }
}

export function publishDiagnostic(name: string, message: unknown): void {
  if (module === undefined) module = loadModule();
  if (module === null) return;
  let channel = channels.get(name);
  if (!channel) {
    channel = module.channel(name);
    channels.set(name, channel);
  }
  // hasSubscribers keeps publishing free when nobody listens.
  if (channel.hasSubscribers) channel.publish(message);
}

/** Whether this runtime publishes diagnostics channels (Node ≥ 20.16 and compatible runtimes). */
export function diagnosticsAvailable(): boolean {
  if (module === undefined) module = loadModule();
  return module !== null;
}
