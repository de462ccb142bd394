/**
 * What producers, consumers and reads need of a stream: its URL, its content type once known,
 * the transport that carries its requests and the retry policy. The stream handle is one;
 * producers and consumers take this narrow view rather than the handle, so the handle can
 * build them without the modules importing each other.
 */
import { streamUrl } from "./check.js";
import { Transport } from "./http/transport.js";
import { type ClientOptions, checkClientOptions } from "./options.js";
import { checkedRetryPolicy, type RetryPolicy } from "./retry.js";

export interface Endpoint {
  readonly url: string;
  /** The stream's content type, once known (create, connect and head fill it in on a handle). */
  readonly contentType: string | undefined;
  /** @internal One transport per configuration, shared by everything made from it. */
  readonly transport: Transport;
  /** @internal */
  readonly retry: RetryPolicy;
  /** The client's base URL, when the handle came from a client that has one (capabilities live under it). */
  readonly baseUrl?: string | undefined;
}

/** A stream URL plus client options: what a handle is made from. */
export interface EndpointOptions extends ClientOptions {
  url: string | URL;
  /** The stream's content type, if known; `create`, `connect` and `head` fill it in. */
  contentType?: string;
}

/** Whether `value` is already an endpoint (a handle) rather than the options to make one. */
export function isEndpoint(value: Endpoint | EndpointOptions): value is Endpoint {
  return (value as Partial<Endpoint>).transport instanceof Transport;
}

/** Checks the options (INVALID_ARGUMENT naming the first bad one) and builds their transport. */
export function openEndpoint(options: EndpointOptions): Endpoint {
  const url = streamUrl(options.url);
  checkClientOptions(url, options);
  return {
    url,
    contentType: options.contentType,
    transport: new Transport(options),
    retry: checkedRetryPolicy(url, "retry", options.retry),
  };
}
