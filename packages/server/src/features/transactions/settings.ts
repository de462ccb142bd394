/** Transaction limits (docs/kafka-layer.md, "Transactions"), with their defaults. Pure. */

export interface TransactionSettings {
  /** Most items one transaction may hold (default 1,000; TOO_MANY_TRANSACTION_ITEMS, 413). */
  readonly maxItems?: number;
  /**
   * Largest transaction body in bytes (default 16 MiB, and never above the server's largest
   * body; TRANSACTION_TOO_LARGE, 413). The whole body is parsed in memory and written in one
   * log batch, so it is kept well below what a plain append may send.
   */
  readonly maxBytes?: number;
}

export const TRANSACTION_DEFAULTS = { maxItems: 1_000, maxBytes: 16 << 20 } as const;

export type ResolvedTransactionSettings = Required<TransactionSettings>;

export function resolveTransactionSettings(
  settings: TransactionSettings | undefined,
  maxBodyBytes: number,
): ResolvedTransactionSettings {
  for (const key of Object.keys(settings ?? {})) {
    // A typo in a configuration file must not silently keep the default.
    if (!(key in TRANSACTION_DEFAULTS)) throw new Error(`transactions: unknown setting ${key}`);
  }
  const maxItems = settings?.maxItems ?? TRANSACTION_DEFAULTS.maxItems;
  const maxBytes = settings?.maxBytes ?? TRANSACTION_DEFAULTS.maxBytes;
  if (!Number.isSafeInteger(maxItems) || maxItems < 1) {
    throw new Error(`transactions.maxItems must be a positive integer, got ${maxItems}`);
  }
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new Error(`transactions.maxBytes must be a positive integer, got ${maxBytes}`);
  }
  return { maxItems, maxBytes: Math.min(maxBytes, maxBodyBytes) };
}
