/**
 * What producers, transactions and admin need of their `Kafka` object: the connection, where
 * events go, the tracer, and topic layouts. An interface of its own so that they do not import
 * the class that makes them.
 */
import type { KafkaHttp } from "./http.js";
import type { KafkaEvents } from "./observability/events.js";
import type { Tracing } from "./observability/tracing.js";
import type { TopicMetadata } from "./topic-metadata.js";

export interface KafkaContext {
  readonly http: KafkaHttp;
  readonly events: KafkaEvents;
  readonly tracing: Tracing;
  readonly topics: TopicMetadata;
}
