/** Every job a load-generator process runs: the library's, and filling a FileStore directly. */
import type { LoadJobs } from "@rivulet/load";
import type { FillFileStoreParams, FillFileStoreResult } from "./fill-file-store.js";
import type { GroupConsumeParams, GroupConsumeResult } from "./group-consume.js";
import type { KeyedProduceParams, KeyedProduceResult } from "./keyed-produce.js";
import type { SdkProduceParams, SdkProduceResult } from "./sdk-produce.js";
import type { SdkProduceWindowsParams, SdkProduceWindowsResult } from "./sdk-produce-windows.js";

export interface Jobs extends LoadJobs {
  fillFileStore: { params: FillFileStoreParams; result: FillFileStoreResult };
  groupConsume: { params: GroupConsumeParams; result: GroupConsumeResult };
  keyedProduce: { params: KeyedProduceParams; result: KeyedProduceResult };
  sdkProduce: { params: SdkProduceParams; result: SdkProduceResult };
  sdkProduceWindows: { params: SdkProduceWindowsParams; result: SdkProduceWindowsResult };
}

export type JobName = keyof Jobs;

export interface JobMessage<K extends JobName = JobName> {
  readonly job: K;
  readonly params: Jobs[K]["params"];
}

export type JobReply<K extends JobName = JobName> =
  | { readonly ok: true; readonly result: Jobs[K]["result"] }
  | { readonly ok: false; readonly error: string };
