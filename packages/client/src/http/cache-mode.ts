/**
 * Whether this runtime's fetch takes a `cache` mode. Browsers, Node, Deno and Bun do;
 * Cloudflare Workers reject the option when a Request is built with it, so there the client
 * sends none rather than fail every read.
 */
export function cacheModeSupported(): boolean {
  const RequestClass = (globalThis as { Request?: typeof Request }).Request;
  if (RequestClass === undefined) return false;
  try {
    // Node's type declarations leave `cache` out of RequestInit; runtimes decide at run time.
    new RequestClass("http://cache-mode.invalid/", { cache: "no-cache" } as RequestInit);
    return true;
  } catch {
    return false;
  }
}
