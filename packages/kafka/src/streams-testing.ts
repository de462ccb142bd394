/**
 * `@rivulet/kafka/streams-testing`: the in-memory topology test driver, and the window
 * constructors so a test needs one import.
 */
export {
  type OutputRecord,
  type PipeOptions,
  type TestDriverOptions,
  TopologyTestDriver,
} from "./streams/test-driver.js";
export { hopping, sliding, tumbling } from "./streams/windows.js";
