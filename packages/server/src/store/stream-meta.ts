/**
 * Stream metas as the stores hold them: a million idle streams each keep one, so a meta holds
 * its path, one pointer to the settings it shares with streams configured alike, and its
 * creation time as two small integers. A meta written as a plain object (tests, callers of the
 * Store interface) works everywhere too; stores compact it with `compactMeta` when they keep it.
 */
import type { ForkOrigin, Lifetime, Retention } from "@rivulet/protocol";
import { internContentType, NO_LIFETIME, NO_RETENTION, shareLifetime, shareRetention } from "./shared-values.js";
import type { Inherited, StreamMeta } from "./types.js";

/** What streams configured alike share: almost every stream has one of a handful. */
interface Settings {
  readonly contentType: string;
  readonly lifetime: Lifetime;
  readonly retention: Retention;
}

/** One Settings per content type for streams with no lifetime nor retention of their own. */
const plainSettings = new Map<string, Settings>();

function settingsOf(contentType: string, lifetime: Lifetime, retention: Retention): Settings {
  const shared = internContentType(contentType);
  const ownLifetime = shareLifetime(lifetime);
  const ownRetention = shareRetention(retention);
  if (ownLifetime !== NO_LIFETIME || ownRetention !== NO_RETENTION) {
    return { contentType: shared, lifetime: ownLifetime, retention: ownRetention };
  }
  let settings = plainSettings.get(shared);
  if (!settings) {
    settings = Object.freeze({ contentType: shared, lifetime: NO_LIFETIME, retention: NO_RETENTION });
    if (plainSettings.size < 1024) plainSettings.set(shared, settings);
  }
  return settings;
}

/**
 * Milliseconds since the epoch need 41 bits, and a small integer on this runtime holds 31
 * (Node on x64 has no pointer compression, so a larger number is a 16-byte heap box). The
 * creation time is kept as a high part (units of 2^21 ms, ~35 min) and the rest: both small
 * integers until the year 6400, and their sum is exactly the time given.
 */
const LOW_SPAN = 2 ** 21;

class CompactMeta implements StreamMeta {
  readonly path: string;
  private readonly settings: Settings;
  private readonly createdHigh: number;
  private readonly createdLow: number;
  declare readonly fork?: ForkOrigin;
  declare readonly inherited?: Inherited;

  constructor(
    path: string,
    settings: Settings,
    createdAt: number,
    fork: ForkOrigin | undefined,
    inherited: Inherited | undefined,
  ) {
    this.path = path;
    this.settings = settings;
    this.createdHigh = Math.floor(createdAt / LOW_SPAN);
    this.createdLow = createdAt - this.createdHigh * LOW_SPAN;
    // Own properties only on forks: other streams' metas are two fields (16 B) smaller.
    if (fork !== undefined) (this as { fork?: ForkOrigin }).fork = fork;
    if (inherited !== undefined) (this as { inherited?: Inherited }).inherited = inherited;
  }

  get contentType(): string {
    return this.settings.contentType;
  }

  get lifetime(): Lifetime {
    return this.settings.lifetime;
  }

  get retention(): Retention {
    return this.settings.retention;
  }

  /** ms since the epoch. */
  get createdAt(): number {
    return this.createdHigh * LOW_SPAN + this.createdLow;
  }
}

/** A stream's meta; the fork fields are own properties only when given. */
export function streamMeta(
  common: Omit<StreamMeta, "fork" | "inherited">,
  fork: ForkOrigin | undefined,
  inherited: Inherited | undefined,
): StreamMeta {
  const settings = settingsOf(common.contentType, common.lifetime, common.retention);
  return new CompactMeta(common.path, settings, common.createdAt, fork, inherited);
}

/** The compact form of any meta (itself when it already is). */
export function compactMeta(meta: StreamMeta): StreamMeta {
  return meta instanceof CompactMeta ? meta : streamMeta(meta, meta.fork, meta.inherited);
}

/**
 * The same meta with other retention settings or another inherited start. Metas are never
 * spread: the compact form keeps its fields behind accessors, which a spread would drop.
 */
export function metaWith(meta: StreamMeta, changes: { retention?: Retention; inherited?: Inherited }): StreamMeta {
  return streamMeta(
    {
      path: meta.path,
      contentType: meta.contentType,
      lifetime: meta.lifetime,
      createdAt: meta.createdAt,
      retention: changes.retention ?? meta.retention,
    },
    meta.fork,
    changes.inherited ?? meta.inherited,
  );
}
