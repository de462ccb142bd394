/**
 * `@rivulet/kafka/testing`: `MockKafka`, the SDK on an in-memory broker for applications' unit
 * tests. Write code against `KafkaLike` and hand it a `Kafka` in production, a `MockKafka` in tests.
 */
export type { KafkaAdmin, KafkaBatchConsumer, KafkaConsumer, KafkaLike, KafkaProducer } from "../kafka-like.js";
export { MockAdmin } from "./mock-admin.js";
export { MockConsumer } from "./mock-consumer.js";
export { MockKafka, type MockMessage } from "./mock-kafka.js";
