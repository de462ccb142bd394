/** Reading typed values off response headers; a missing or malformed value is undefined. */

/** A header holding a non-negative integer (a seq, a time in ms, a byte count). */
export function intHeader(headers: Headers, name: string): number | undefined {
  const value = headers.get(name);
  if (value === null || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}
