/** Splits `kafka.pipeline(…)` options into the consumer's and the pipeline's, checking both before anything starts. */
import type { Consumer } from "../consumer/consumer.js";
import type { ConsumerOptions } from "../consumer/options.js";
import { type PipelineOptions, resolvePipelineOptions } from "./options.js";
import { Pipeline } from "./pipeline.js";

export function createPipeline<T>(
  makeConsumer: (options: ConsumerOptions<T>) => Consumer<T>,
  options: PipelineOptions<T>,
): Pipeline<T> {
  const settings = resolvePipelineOptions(options);
  const {
    processors: _processors,
    batchers: _batchers,
    handleMessage: _handleMessage,
    handleBatch: _handleBatch,
    failures: _failures,
    maxInFlight: _maxInFlight,
    onEvent: _onEvent,
    signal: _signal,
    ...consumerOptions
  } = options;
  // The pipeline commits as messages finish and on drain; the signal drains it rather than
  // closing the consumer under work in flight.
  const consumer = makeConsumer({ ...consumerOptions, autoCommit: true, onEvent: settings.onEvent });
  return new Pipeline(consumer, settings);
}
