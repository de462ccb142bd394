/** The subscriptions client for a `rivulet sub` command: the stream root from --url, the shared connection flags. */
import { SubscriptionsClient } from "@rivulet/client/subscriptions";
import { type ConnectionFlags, clientOptions } from "../connection.js";
import { streamRoot } from "../stream-url.js";

export function subscriptionsClient(flags: ConnectionFlags): SubscriptionsClient {
  return new SubscriptionsClient({ baseUrl: streamRoot(flags.url).href, ...clientOptions(flags) });
}
