/** Every load-generator job, by name, with its parameters and result (types only). */
import type {
  AppendLoadParams,
  CatchUpParams,
  CatchUpResult,
  ClosedLoopResult,
  CreateStreamsParams,
  CreateStreamsResult,
  FanOutParams,
  FanOutRampParams,
  FanOutRampResult,
  FanOutResult,
  FillStreamParams,
  FillStreamResult,
  OpenLoopParams,
  OpenLoopResult,
  ProducerParams,
  ProducerResult,
} from "@rivulet/load";
import type { FillFileStoreParams, FillFileStoreResult } from "./fill-file-store.js";

export interface Jobs {
  createStreams: { params: CreateStreamsParams; result: CreateStreamsResult };
  appendClosedLoop: { params: AppendLoadParams; result: ClosedLoopResult };
  appendOpenLoop: { params: OpenLoopParams; result: OpenLoopResult };
  fillStream: { params: FillStreamParams; result: FillStreamResult };
  catchUpRead: { params: CatchUpParams; result: CatchUpResult };
  fanOut: { params: FanOutParams; result: FanOutResult };
  fanOutRamp: { params: FanOutRampParams; result: FanOutRampResult };
  producerThroughput: { params: ProducerParams; result: ProducerResult };
  fillFileStore: { params: FillFileStoreParams; result: FillFileStoreResult };
}

export type JobName = keyof Jobs;

export interface JobMessage<K extends JobName = JobName> {
  readonly job: K;
  readonly params: Jobs[K]["params"];
}

export type JobReply<K extends JobName = JobName> =
  | { readonly ok: true; readonly result: Jobs[K]["result"] }
  | { readonly ok: false; readonly error: string };
