/** Opens a store and lists every stream it holds, in path order (what recovery brought back). */
import type { Store, StoredStream } from "@rivulet/server";

export async function openAll(store: Store): Promise<StoredStream[]> {
  await store.open();
  return store.list({ prefix: "", limit: Number.MAX_SAFE_INTEGER });
}
