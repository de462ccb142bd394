/** The behaviour suite against `MockKafka`, which must behave as the real server does. */
import { MockKafka } from "@rivulet/kafka/testing";
import { behaviourSuite } from "./suite.js";

behaviourSuite("MockKafka", async () => ({ kafka: new MockKafka(), close: async () => {} }));
