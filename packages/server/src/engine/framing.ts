/** Turns a request body into the bytes a stream stores, by the stream's content type (PROTOCOL §9). */
import { frameJson, isJsonContentType, ProtocolError } from "@rivulet/protocol";

export function frameBody(contentType: string, body: Uint8Array, operation: "create" | "append"): Uint8Array {
  if (body.length === 0 || !isJsonContentType(contentType)) return body;
  const framed = frameJson(body);
  // §9.1.3: `[]` creates an empty stream on PUT but is a client bug on POST.
  if (framed.messageCount === 0 && operation === "append") {
    throw new ProtocolError("EMPTY_JSON_ARRAY", "An append must not be an empty JSON array");
  }
  return framed.data;
}
