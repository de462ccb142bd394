/**
 * Node `diagnostics_channel` publishing without importing a Node module, as @rivulet/client
 * does: the module comes from `process.getBuiltinModule` (Node ≥ 20.16, Bun, Deno), so a
 * browser or Workers bundle has no `node:` specifier and simply publishes nothing.
 */

interface Channel {
  readonly hasSubscribers: boolean;
  publish(message: unknown): void;
}

type ChannelModule = { channel(name: string): Channel };
type ProcessWithBuiltins = { getBuiltinModule?: (id: string) => unknown };

/** undefined: not looked up yet; null: not available here. */
let module: ChannelModule | null | undefined;
const channels = new Map<string, Channel>();

function load(): ChannelModule | null {
  try {
    const proc = (globalThis as { process?: ProcessWithBuiltins }).process;
    const found = proc?.getBuiltinModule?.("node:diagnostics_channel") as ChannelModule | undefined;
    return found && typeof found.channel === "function" ? found : null;
  } catch {
    return null;
  }
}

export function publish(name: string, message: unknown): void {
  const channel = channelOf(name);
  // Free when nobody listens.
  if (channel?.hasSubscribers) channel.publish(message);
}

/** Whether anything listens on the channel now: callers skip building messages nobody reads. */
export function hasSubscribers(name: string): boolean {
  return channelOf(name)?.hasSubscribers === true;
}

function channelOf(name: string): Channel | undefined {
  if (module === undefined) module = load();
  if (module === null) return undefined;
  let channel = channels.get(name);
  if (channel === undefined) {
    channel = module.channel(name);
    channels.set(name, channel);
  }
  return channel;
}
