/** Subscription ids (client-chosen, PROTOCOL §6.1) and wake ids (server-minted, unique per wake, §7). */
import { randomBytes } from "node:crypto";
import { ProtocolError } from "@rivulet/protocol";

/** Safe in URLs, logs and metric labels without escaping. */
const SUBSCRIPTION_ID = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$/;

export function isSubscriptionId(id: string): boolean {
  return SUBSCRIPTION_ID.test(id);
}

export function checkSubscriptionId(id: string): void {
  if (!isSubscriptionId(id)) {
    throw new ProtocolError(
      "INVALID_SUBSCRIPTION",
      "A subscription id is 1-128 characters of A-Z a-z 0-9 . _ ~ -, starting with a letter or digit",
    );
  }
}

/** 128 random bits: never repeats, so a request for one wake can never be replayed into another (§7.3). */
export function newWakeId(): string {
  return `w_${randomBytes(16).toString("base64url")}`;
}
