/** The read-only entry point: `stream({ url, ... })` for readers that never write. */

import { streamUrl } from "../check.js";
import { Transport } from "../http/transport.js";
import { type ClientOptions, checkClientOptions } from "../options.js";
import { checkedRetryPolicy } from "../retry.js";
import type { ReadOptions } from "./read-options.js";
import { StreamResponse } from "./response.js";

export interface StreamOptions<T = unknown> extends ClientOptions, ReadOptions<T> {
  url: string | URL;
  /** The stream's content type, if known in advance (otherwise the first response tells it). */
  contentType?: string;
}

/**
 * Opens a read session on `url` and resolves after its first response, so a missing stream
 * fails here. Handle-level options (fetch, headers, params, timeoutMs, retry, onEvent,
 * signal) and read options (offset, live, onError, validate, ...) go in one object; a bad
 * one rejects with INVALID_ARGUMENT before any request.
 */
export async function stream<T = unknown>(options: StreamOptions<T>): Promise<StreamResponse<T>> {
  const url = streamUrl(options.url);
  checkClientOptions(url, options);
  // One object carries both layers: the signal belongs to the session, headers and params to
  // the transport (so dynamic values are evaluated once per request, not twice).
  const { signal: _signal, ...client } = options;
  const { headers: _headers, params: _params, ...read } = options;
  return StreamResponse.open<T>({
    url,
    transport: new Transport(client),
    options: read,
    contentType: options.contentType,
    handleRetry: checkedRetryPolicy(url, "retry", options.retry),
  });
}
