/**
 * A failed append to a partition stream, as the SDK's typed errors: @rivulet/client reports
 * the server's code (`serverCode`) beside its own family; the class follows the code, as for
 * every other refusal (errors.ts). A missing stream is a missing partition.
 */
import type { StreamError } from "@rivulet/client";
import { errorFromResponse, type KafkaError, MessageTooLargeError } from "../errors.js";

const BY_CLIENT_CODE: Readonly<Record<string, string>> = {
  NOT_FOUND: "PARTITION_NOT_FOUND",
  GONE: "PARTITION_NOT_FOUND",
  PAYLOAD_TOO_LARGE: "MESSAGE_TOO_LARGE",
};

export function kafkaErrorOf(error: StreamError, topic: string, partition: number): KafkaError {
  let code = error.serverCode ?? error.code;
  if (code === "STREAM_NOT_FOUND" || code === "STREAM_GONE") code = "PARTITION_NOT_FOUND";
  code = BY_CLIENT_CODE[code] ?? code;
  const where = `topic ${topic}, partition ${partition}`;
  if (code === "MESSAGE_TOO_LARGE" && error.status === undefined) {
    return new MessageTooLargeError(code, `${error.message} (${where})`, { cause: error });
  }
  const mapped = errorFromResponse(
    error.status ?? 0,
    { error: { code, message: `${error.message} (${where})` } },
    null,
  );
  Object.defineProperty(mapped, "cause", { value: error, enumerable: false });
  return mapped;
}
