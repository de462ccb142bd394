/** Store failures as protocol errors: by the StoreError's code (never by message), with Retry-After where retrying helps. */
import { ProtocolError } from "@rivulet/protocol";
import { StoreError } from "../store/errors.js";

export function storeError(error: unknown): unknown {
  if (error instanceof ProtocolError) return error;
  if (error instanceof StoreError) {
    const headers: Record<string, string> =
      error.retryAfterSeconds === undefined ? {} : { "retry-after": String(error.retryAfterSeconds) };
    return new ProtocolError(error.code, error.publicMessage, headers, { cause: error });
  }
  return new ProtocolError("INTERNAL", "The store failed to complete the operation", {}, { cause: error });
}
