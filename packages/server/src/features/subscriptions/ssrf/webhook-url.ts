/**
 * Webhook URL validation at subscription creation (PROTOCOL §6.2, §12.8), without DNS:
 * `https://` only, no credentials in the URL, and no target that is loopback, private,
 * link-local or otherwise local by its address or its name — unless the allow-list covers
 * it, which also permits `http://`. Names are resolved and checked again at every delivery
 * (target.ts), since DNS can change after creation.
 */
import { ProtocolError } from "@rivulet/protocol";
import { ipFamily, isNonPublicAddress } from "./addresses.js";
import type { AllowList } from "./allow-list.js";

export interface WebhookTarget {
  /** The URL, normalised (WHATWG URL serialisation). */
  readonly href: string;
  /** Host name or address, lower case, without IPv6 brackets. */
  readonly host: string;
  /** Whether the allow-list covers the host by name (then any address it resolves to is allowed). */
  readonly allowedByName: boolean;
}

/** Names that only ever mean something inside a network: never a public webhook target. */
const LOCAL_SUFFIXES = [".localhost", ".local", ".internal", ".home.arpa", ".lan"];

export function checkWebhookUrl(raw: unknown, allow: AllowList, maxLength: number): WebhookTarget {
  if (typeof raw !== "string" || raw === "") {
    throw new ProtocolError("INVALID_SUBSCRIPTION", "webhook.url must be a non-empty string");
  }
  if (raw.length > maxLength) {
    throw new ProtocolError("WEBHOOK_URL_TOO_LONG", `webhook.url is longer than ${maxLength} characters`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw rejected("webhook.url is not an absolute URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw rejected("webhook.url must use https://");
  if (url.username !== "" || url.password !== "") {
    throw rejected("webhook.url must not carry credentials (they would be logged and stored)");
  }
  const host = hostOf(url);
  const allowedByName = allow.allowsHost(host);
  if (allowedByName) return { href: url.href, host, allowedByName };
  if (url.protocol !== "https:") {
    throw rejected("webhook.url must use https:// (http:// only for hosts on the webhook allow-list)");
  }
  if (ipFamily(host) !== 0) {
    if (isNonPublicAddress(host)) throw rejected(`webhook.url targets a non-public address (${host})`);
  } else if (isLocalName(host)) {
    throw rejected(`webhook.url targets a local host name (${host})`);
  }
  return { href: url.href, host, allowedByName };
}

export function hostOf(url: URL): string {
  const host = url.hostname.toLowerCase();
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/** `localhost`, single-label names (resolved through search domains) and reserved local suffixes. */
function isLocalName(host: string): boolean {
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  if (name === "localhost" || !name.includes(".")) return true;
  return LOCAL_SUFFIXES.some((suffix) => name.endsWith(suffix));
}

export function rejected(message: string): ProtocolError {
  return new ProtocolError("WEBHOOK_URL_REJECTED", message);
}
