/** Signing key rotation (PROTOCOL §6.5): a new key signs, the old one stays published for the replay window, then goes. */
import { Engine, MemoryStore } from "@rivulet/server";
import { expect, test } from "vitest";
import { StateLog } from "../../src/features/state-log/index.js";
import { type KeyRecord, KeyRing } from "../../src/features/subscriptions/signing/key-ring.js";

async function ring(store: MemoryStore) {
  const engine = new Engine({ store, internalPrefix: "/s/__ds/" });
  await engine.open();
  const log = new StateLog<KeyRecord>({ engine, root: "/s/__ds/state/keys", compactAfterRecords: 100 });
  return { log, keys: new KeyRing(log, { rotationMs: 1000, retiredTtlMs: 500 }) };
}

test("keys rotate on schedule, old public keys stay for the replay window, and all of it persists", async () => {
  const store = new MemoryStore();
  const { log, keys } = await ring(store);
  await keys.open(0);
  // Nothing is made, or written, until it is needed.
  expect(keys.ready).toBe(false);
  expect(keys.jwks(0)).toEqual([]);
  expect(await store.list({ prefix: "/s/__ds/", limit: 10 })).toEqual([]);
  await keys.ensure(0);
  await keys.ensure(0);
  const first = keys.active;
  const secret = Buffer.from(keys.secret).toString("hex");
  expect(keys.jwks(0).map((k) => k.kid)).toEqual([first.kid]);
  expect(keys.nextDue()).toBe(1000);
  await keys.maintain(999);
  expect(keys.active.kid).toBe(first.kid);
  const firstSigner = keys.signingKey;
  expect(firstSigner.kid).toBe(first.kid);
  expect(keys.signingKey).toBe(firstSigner);
  await keys.maintain(1000);
  const second = keys.active;
  expect(second.kid).not.toBe(first.kid);
  // The key that signs follows the rotation.
  expect(keys.signingKey.kid).toBe(second.kid);
  expect(keys.signingKey.key.export({ format: "jwk" }).d).toBe(second.jwk.d);
  expect(keys.jwks(1200).map((k) => k.kid)).toEqual([first.kid, second.kid]);
  expect(keys.jwks(1500).map((k) => k.kid)).toEqual([second.kid]);
  expect(keys.nextDue()).toBe(1500);
  await keys.maintain(1500);
  await log.close();

  const reopened = await ring(store);
  await reopened.keys.open(1600);
  expect(reopened.keys.active.kid).toBe(second.kid);
  expect(Buffer.from(reopened.keys.secret).toString("hex")).toBe(secret);
  expect(reopened.keys.jwks(1600).map((k) => k.kid)).toEqual([second.kid]);
  // A key past its rotation time when the server starts is rotated at once.
  await reopened.log.close();
  const late = await ring(store);
  await late.keys.open(5000);
  expect(late.keys.active.kid).not.toBe(second.kid);
});
