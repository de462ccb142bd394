/**
 * Reply headers that many replies have in common: the waiters one append wakes all get the
 * same content type, next offset, ETag, cache policy and (once decorated) CORS and security
 * headers. Built once per answer and handed to every reply as it is, so a fan-out builds,
 * decorates and flattens one header set instead of one per waiter; each reply adds only its
 * own few (cursor, request id, length).
 */
export class SharedHeaders {
  /** Set once the app has added the headers every one of its replies carries. */
  decorated = false;
  private flat: string[] | undefined;
  private readonly variants = new Map<string, SharedHeaders>();

  constructor(private readonly values: Record<string, string>) {}

  get(name: string): string | undefined {
    return this.values[name];
  }

  /** Only before the first reply is written (decoration); the set is fixed after that. */
  set(name: string, value: string): void {
    this.values[name] = value;
    this.flat = undefined;
  }

  /** As name, value, name, value… (node:http's `writeHead` takes that list without a copy per reply). */
  list(): readonly string[] {
    if (!this.flat) {
      const flat: string[] = [];
      for (const name of Object.keys(this.values)) flat.push(name, this.values[name]!);
      this.flat = flat;
    }
    return this.flat;
  }

  /** A name → value copy. */
  entries(): Record<string, string> {
    return { ...this.values };
  }

  /**
   * The same set changed by `change` (a compressed body's encoding and weak ETag), made once
   * per `key` and shared like this one.
   */
  variant(key: string, change: (values: Record<string, string>) => void): SharedHeaders {
    let variant = this.variants.get(key);
    if (!variant) {
      const values = this.entries();
      change(values);
      variant = new SharedHeaders(values);
      variant.decorated = this.decorated;
      this.variants.set(key, variant);
    }
    return variant;
  }
}
