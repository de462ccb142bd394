/**
 * The entry object: `new Kafka({ url, token, timeoutMs, retries })`. It holds the connection
 * settings; producers, consumers, transactions and admin are made from it.
 */
import { KafkaHttp } from "./http.js";
import { type KafkaOptions, resolveKafkaOptions } from "./options.js";

export class Kafka {
  /** The connection every producer, consumer and admin made from this object shares. */
  readonly http: KafkaHttp;

  constructor(options: KafkaOptions = {}) {
    this.http = new KafkaHttp(resolveKafkaOptions(options));
  }
}
