/**
 * The token the user gave, kept in this tab's sessionStorage (gone when the tab closes, never
 * in a URL, a cookie or a log) and sent as a bearer header. Listeners hear when it changes,
 * and when the server refused it (the app then asks again).
 */
const KEY = "rivulet.token";
type Listener = (reason: "set" | "cleared" | "refused") => void;
const listeners = new Set<Listener>();

export function token(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

export function setToken(value: string): void {
  sessionStorage.setItem(KEY, value.trim());
  emit("set");
}

export function clearToken(reason: "cleared" | "refused" = "cleared"): void {
  sessionStorage.removeItem(KEY);
  emit(reason);
}

export function authHeaders(): Record<string, string> {
  const value = token();
  return value === undefined ? {} : { authorization: `Bearer ${value}` };
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function emit(reason: Parameters<Listener>[0]): void {
  for (const listener of listeners) listener(reason);
}
