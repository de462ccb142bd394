/**
 * The key of `await using` cleanup. Runtimes without it (older browsers) get the registered
 * symbol that the usual polyfill (`Symbol.asyncDispose ??= Symbol.for("Symbol.asyncDispose")`)
 * installs, so a polyfill loaded later still finds the method.
 */
export const asyncDispose: typeof Symbol.asyncDispose =
  (Symbol as { asyncDispose?: typeof Symbol.asyncDispose }).asyncDispose ??
  (Symbol.for("Symbol.asyncDispose") as typeof Symbol.asyncDispose);
