/**
 * Turning failed responses and failed fetches into `StreamError`s. The status decides the
 * family; protocol headers (Stream-Closed, Producer-*) refine it, because the spec says
 * clients must not rely on error bodies (PROTOCOL §5.2). A server error code from the JSON
 * body is kept for diagnostics and consulted only where the headers cannot tell cases apart.
 */
import { Header, isTrueFlag } from "@rivulet/protocol";
import {
  ConfigConflictError,
  GoneError,
  SequenceGapError,
  StaleEpochError,
  StreamClosedError,
  StreamError,
  type StreamErrorDetails,
  TailMismatchError,
} from "../errors.js";
import { parseRetryAfter } from "../retry.js";
import { intHeader } from "./header-values.js";

/** What the request was, so one status can mean different things (409 on PUT vs POST). */
export type Operation = "create" | "fork" | "append" | "close" | "read" | "head" | "delete" | "admin";

export interface FailedResponse {
  status: number;
  headers: Headers;
  /** The response body as text (possibly empty). */
  body: string;
}

interface ErrorBody {
  code: string | undefined;
  message: string | undefined;
  earliestOffset: string | undefined;
}

export interface RequestContext {
  operation: Operation;
  url: string;
  /** The request carried `Stream-Seq`, so an unexplained 409 is most likely a regression. */
  usedStreamSeq?: boolean;
  /** The request's Content-Type, for the context of a configuration conflict. */
  contentType?: string | undefined;
}

export function errorFromResponse(
  context: RequestContext,
  response: FailedResponse,
  now: number = Date.now(),
): StreamError {
  const { url } = context;
  const { status, headers } = response;
  const body = parseErrorBody(response.body);
  const details = {
    url,
    status,
    serverCode: body.code,
    retryAfterMs: parseRetryAfter(headers.get(Header.retryAfter), now),
    headers,
  };
  const message = (fallback: string) => describeFailure(fallback, body.message, status);

  switch (status) {
    case 400:
      return new StreamError("BAD_REQUEST", message("Bad request"), details);
    case 401:
      return new StreamError("UNAUTHORIZED", message("Unauthorized"), details);
    case 403: {
      // PROTOCOL §5.2.1: a stale producer epoch is a 403 carrying the server's epoch.
      const epoch = headers.get(Header.producerEpoch);
      if (epoch !== null || body.code === "STALE_PRODUCER_EPOCH") {
        return new StaleEpochError(message("Stale producer epoch"), {
          ...details,
          serverEpoch: intHeader(headers, Header.producerEpoch),
        });
      }
      return new StreamError("FORBIDDEN", message("Forbidden"), details);
    }
    case 404:
      return new StreamError("NOT_FOUND", message(`Stream not found: ${url}`), details);
    case 408:
      return new StreamError("TIMEOUT", message("Request timed out at the server"), details);
    case 409:
      return conflict(context, headers, body, details, message);
    case 410:
      // The header is the contract (clients must not rely on error bodies, §5.2); a body may repeat it.
      return new GoneError(message("Gone"), {
        ...details,
        earliestOffset: headers.get(Header.earliestOffset) ?? body.earliestOffset ?? undefined,
      });
    case 412:
      // A conditional append (docs/extensions.md): the 412 names the tail it found.
      return new TailMismatchError(message("The stream's tail is not where the append expected it"), {
        ...details,
        currentOffset: headers.get(Header.nextOffset) ?? undefined,
        currentSeq: intHeader(headers, Header.nextSeq),
      });
    case 413:
      return new StreamError("PAYLOAD_TOO_LARGE", message("Payload too large"), details);
    case 429:
      return new StreamError("RATE_LIMITED", message("Rate limited"), details);
  }
  if (status >= 500) {
    // 501 and 505 describe what the server can do, not a passing condition.
    const retryable = status !== 501 && status !== 505;
    return new StreamError("SERVER_ERROR", message("Server error"), { ...details, retryable });
  }
  // 405 and other 4xx: the request cannot succeed as sent.
  return new StreamError("BAD_REQUEST", message(`Unexpected status ${status}`), details);
}

function conflict(
  context: RequestContext,
  headers: Headers,
  body: ErrorBody,
  details: StreamErrorDetails & { url: string },
  message: (fallback: string) => string,
): StreamError {
  const configConflict = () =>
    new ConfigConflictError(message("Conflicts with the stream's configuration"), {
      ...details,
      expectedContentType: undefined,
      actualContentType: context.contentType,
    });
  if (context.operation === "create" || context.operation === "fork") {
    // §4.2: a fork whose content type differs, or whose source is soft-deleted, conflicts with
    // configuration; any other 409 on PUT means a different stream already lives here (§5.1).
    if (body.code === "CONTENT_TYPE_MISMATCH" || body.code === "FORK_SOURCE_DELETED") return configConflict();
    return new StreamError("ALREADY_EXISTS", message("A stream with a different configuration exists"), details);
  }
  // PROTOCOL §5.2: a closed stream answers 409 with Stream-Closed and its final offset.
  if (isTrueFlag(headers.get(Header.closed)) || body.code === "STREAM_CLOSED") {
    return new StreamClosedError(message("Stream is closed"), {
      ...details,
      finalOffset: headers.get(Header.nextOffset) ?? undefined,
    });
  }
  const expected = headers.get(Header.producerExpectedSeq);
  if (expected !== null || body.code === "PRODUCER_SEQ_GAP") {
    return new SequenceGapError(message("Producer sequence gap"), {
      ...details,
      expectedSeq: intHeader(headers, Header.producerExpectedSeq),
      receivedSeq: intHeader(headers, Header.producerReceivedSeq),
    });
  }
  if (body.code === "STREAM_SEQ_REGRESSION") {
    return new StreamError("SEQUENCE_CONFLICT", message("Stream-Seq did not increase"), details);
  }
  // Without a server code, an append conflict that is neither closure nor a producer gap is
  // a Stream-Seq regression when one was sent, otherwise the content type.
  if (body.code === undefined && context.usedStreamSeq) {
    return new StreamError("SEQUENCE_CONFLICT", message("Stream-Seq did not increase"), details);
  }
  return configConflict();
}

/**
 * Our words for the status, then the server's. A server message that already opens with
 * the same words ("Stream is closed") stands alone rather than being said twice.
 */
function describeFailure(fallback: string, serverMessage: string | undefined, status: number): string {
  if (!serverMessage) return `${fallback} (${status})`;
  const headline = fallback.split(":")[0]!.trim().toLowerCase();
  if (serverMessage.toLowerCase().startsWith(headline)) return `${serverMessage} (${status})`;
  return `${fallback}: ${serverMessage} (${status})`;
}

function parseErrorBody(text: string): ErrorBody {
  const empty: ErrorBody = { code: undefined, message: undefined, earliestOffset: undefined };
  if (text.length === 0) return empty;
  try {
    const parsed: unknown = JSON.parse(text);
    const error = isRecord(parsed) && isRecord(parsed.error) ? parsed.error : isRecord(parsed) ? parsed : undefined;
    if (!error) return { ...empty, message: truncate(text) };
    return {
      code: typeof error.code === "string" ? error.code : undefined,
      message: typeof error.message === "string" ? error.message : undefined,
      earliestOffset: typeof error.earliestOffset === "string" ? error.earliestOffset : undefined,
    };
  } catch {
    return { ...empty, message: truncate(text) };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function truncate(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > 200 ? `${trimmed.slice(0, 200)}…` : trimmed;
}

/** A fetch that threw: our timeout, the caller's abort, or the network. */
export function errorFromFetchFailure(
  url: string,
  error: unknown,
  cause: { timedOut: boolean; aborted: boolean; abortReason?: unknown },
): StreamError {
  if (error instanceof StreamError) return error;
  if (cause.timedOut) return new StreamError("TIMEOUT", `Request to ${url} timed out`, { url, cause: error });
  // A connect timeout (Node's nodeFetch): the request never left, so any request may be retried.
  if (causeCode(error) === CONNECT_TIMEOUT) {
    return new StreamError("TIMEOUT", `Connecting to ${url} timed out`, { url, cause: error });
  }
  if (cause.aborted) return new StreamError("ABORTED", "The operation was aborted", { url, cause: cause.abortReason });
  const detail = error instanceof Error ? describeNetworkError(error) : String(error);
  return new StreamError("NETWORK", `Network error talking to ${url}: ${detail}`, { url, cause: error });
}

/** undici's code for a connection that was not established in time. */
export const CONNECT_TIMEOUT = "UND_ERR_CONNECT_TIMEOUT";

/** The first `code` along an error's chain of causes (Node and undici put system codes there). */
export function causeCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function describeNetworkError(error: Error): string {
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === "string" ? `${error.message} (${code})` : `${error.message} (${cause.message})`;
  }
  return error.message;
}
