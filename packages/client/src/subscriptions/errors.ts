/**
 * Subscription failures as typed errors. The server's stable codes (PROTOCOL §6, §7; the
 * table in docs/subscriptions.md) become the error's `code`; ALREADY_CLAIMED also carries
 * who holds the lease, from its error body (§7.2). Receivers refusing a webhook get a
 * `WebhookRejectedError` saying why and which status to answer.
 */
import { StreamError, type StreamErrorCode, type StreamErrorDetails } from "../errors.js";

/** Server codes that keep their name as the client's code. */
const KEPT: ReadonlySet<string> = new Set<StreamErrorCode>([
  "INVALID_SUBSCRIPTION",
  "WEBHOOK_URL_REJECTED",
  "WEBHOOK_URL_TOO_LONG",
  "PATTERN_TOO_COMPLEX",
  "TOO_MANY_SUBSCRIPTION_STREAMS",
  "INVALID_ACK",
  "SUBSCRIPTION_EXISTS",
  "SUBSCRIPTION_LIMIT_REACHED",
  "FENCED",
  "ALREADY_CLAIMED",
]);

/** Another worker holds the subscription's lease (§7.2). */
export class AlreadyClaimedError extends StreamError {
  /** The worker name that holds it, when the server said. */
  readonly currentHolder: string | undefined;
  /** The generation of the wake it holds, when the server said. */
  readonly generation: number | undefined;

  constructor(
    message: string,
    details: StreamErrorDetails & { currentHolder: string | undefined; generation: number | undefined },
  ) {
    super("ALREADY_CLAIMED", message, details);
    this.name = "AlreadyClaimedError";
    this.currentHolder = details.currentHolder;
    this.generation = details.generation;
  }
}

/** Why a webhook request was refused. */
export type WebhookRejection =
  /** No `Webhook-Signature` header. */
  | "SIGNATURE_MISSING"
  /** A header that is not `t=<seconds>,kid=<id>,ed25519=<base64url>`. */
  | "SIGNATURE_MALFORMED"
  /** Signed too long ago (outside the replay window) or too far in the future (past the clock skew). */
  | "TIMESTAMP_OUT_OF_WINDOW"
  /** A key id the server's key set does not hold, even after fetching it again. */
  | "UNKNOWN_KEY"
  /** The signature does not match the body: tampered, or not signed by that key. */
  | "SIGNATURE_INVALID"
  /** Signed, but not a wake (PROTOCOL §7.1). */
  | "WAKE_MALFORMED"
  /** A wake for a subscription this receiver does not serve (§12.10). */
  | "SUBSCRIPTION_UNEXPECTED"
  /** A wake this receiver has already accepted. */
  | "WAKE_REPLAYED"
  /** A body larger than the receiver accepts. */
  | "BODY_TOO_LARGE";

const ANSWER: Record<WebhookRejection, number> = {
  SIGNATURE_MISSING: 401,
  SIGNATURE_MALFORMED: 401,
  TIMESTAMP_OUT_OF_WINDOW: 401,
  UNKNOWN_KEY: 401,
  SIGNATURE_INVALID: 401,
  WAKE_MALFORMED: 400,
  SUBSCRIPTION_UNEXPECTED: 403,
  WAKE_REPLAYED: 409,
  BODY_TOO_LARGE: 413,
};

/** A webhook request that failed verification; nothing of it was handled. */
export class WebhookRejectedError extends StreamError {
  readonly reason: WebhookRejection;
  /** The status a receiver answers with. */
  readonly responseStatus: number;

  constructor(reason: WebhookRejection, message: string, url: string, cause?: unknown) {
    super("WEBHOOK_REJECTED", message, { url, cause });
    this.name = "WebhookRejectedError";
    this.reason = reason;
    this.responseStatus = ANSWER[reason];
  }
}

/** The `error` object of a failed response's JSON body, when there was one. */
export type ErrorFields = Readonly<Record<string, unknown>>;

/**
 * The transport's error, with the server's subscription code (and its message, without the
 * stream-oriented wording the generic mapping adds) when the body carried one.
 */
export function subscriptionError(error: StreamError, body: ErrorFields | undefined): StreamError {
  const serverCode = error.serverCode;
  if (serverCode === undefined || body === undefined) return error;
  const serverMessage = typeof body.message === "string" ? body.message : serverCode;
  const message = `${serverMessage} (${error.status})`;
  const { url, status, retryAfterMs, headers } = error;
  const details = { url, status, retryAfterMs, headers, serverCode, retryable: false };
  if (serverCode === "SUBSCRIPTION_NOT_FOUND") return new StreamError("NOT_FOUND", message, details);
  if (!KEPT.has(serverCode)) return error;
  if (serverCode === "ALREADY_CLAIMED") {
    const holder = body.current_holder;
    const generation = body.generation;
    return new AlreadyClaimedError(message, {
      ...details,
      currentHolder: typeof holder === "string" ? holder : undefined,
      generation: Number.isSafeInteger(generation) ? (generation as number) : undefined,
    });
  }
  return new StreamError(serverCode as StreamErrorCode, message, details);
}
