import { describe, expect, it } from "vitest";
import { NO_LIFETIME, NO_RETENTION } from "../../src/store/shared-values.js";
import { compactMeta, metaWith, streamMeta } from "../../src/store/stream-meta.js";
import type { StreamMeta } from "../../src/store/types.js";

const plain = (path: string, createdAt: number, extra: Partial<StreamMeta> = {}): StreamMeta => ({
  path,
  contentType: "application/json",
  lifetime: {},
  createdAt,
  retention: {},
  ...extra,
});

describe("compact stream metas", () => {
  it("give back exactly the creation time they were made with", () => {
    for (const createdAt of [0, 1, 2 ** 21 - 1, 2 ** 21, 1_764_000_000_123, 1_764_000_000_123.5, 2 ** 52, -5]) {
      expect(streamMeta(plain("/t", createdAt), undefined, undefined).createdAt).toBe(createdAt);
    }
  });

  it("share one settings object among streams configured alike, and keep their own otherwise", () => {
    const a = compactMeta(plain("/a", 1));
    const b = compactMeta(plain("/b", 2));
    expect(a.lifetime).toBe(NO_LIFETIME);
    expect(a.retention).toBe(NO_RETENTION);
    expect(a.contentType).toBe(b.contentType);
    const own = compactMeta(plain("/c", 3, { lifetime: { ttlSeconds: 60 }, retention: { ms: 1000 } }));
    expect(own.lifetime).toEqual({ ttlSeconds: 60 });
    expect(own.retention).toEqual({ ms: 1000 });
  });

  it("hold the fork fields as own properties on forks only", () => {
    const plainMeta = compactMeta(plain("/p", 1));
    expect(Object.hasOwn(plainMeta, "fork") || Object.hasOwn(plainMeta, "inherited")).toBe(false);
    const fork = compactMeta(
      plain("/f", 2, { fork: { source: "/p", position: 3 }, inherited: { earliest: 0, seq: 1, ts: 5 } }),
    );
    expect(fork.fork).toEqual({ source: "/p", position: 3 });
    expect(fork.inherited).toEqual({ earliest: 0, seq: 1, ts: 5 });
  });

  it("change retention or the inherited start with every other field kept", () => {
    const fork = compactMeta(plain("/f", 1_764_000_000_777, { fork: { source: "/p", position: 3 } }));
    const retained = metaWith(fork, { retention: { bytes: 10 } });
    expect(retained).toMatchObject({
      path: "/f",
      contentType: "application/json",
      createdAt: 1_764_000_000_777,
      retention: { bytes: 10 },
      fork: { source: "/p", position: 3 },
    });
    const inherited = metaWith(retained, { inherited: { earliest: 1, seq: 2, ts: 3 } });
    expect(inherited.retention).toEqual({ bytes: 10 });
    expect(inherited.inherited).toEqual({ earliest: 1, seq: 2, ts: 3 });
    expect(inherited.createdAt).toBe(1_764_000_000_777);
  });

  it("are kept as given when already compact", () => {
    const meta = compactMeta(plain("/x", 1));
    expect(compactMeta(meta)).toBe(meta);
  });
});
