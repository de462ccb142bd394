/**
 * What the store reports (commits, corrupt data, file-descriptor shortages, warnings), sent
 * to the metrics and the log. Logged with the file and position, never stream contents.
 */
import type { StoreObserver } from "../store/types.js";
import type { Logger } from "./logger.js";
import type { ServerMetrics } from "./metrics.js";

export function storeObserver(metrics: ServerMetrics | undefined, logger: Logger): StoreObserver {
  return {
    commit: (records, seconds) => metrics?.storeObserver.commit(records, seconds),
    corruption: (error) => {
      metrics?.storeObserver.corruption(error);
      logger.error(
        { file: error.file, position: error.position, stream: error.stream },
        "stored data failed its checksum; not served",
      );
    },
    fileLimit: (error) => {
      metrics?.storeObserver.fileLimit(error);
      logger.warn({ err: error.message }, "out of file descriptors; idle files closed, request retried or refused");
    },
    warning: (message, fields) => logger.warn(fields, message),
  };
}
