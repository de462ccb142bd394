/** Parsing of request headers several handlers share. */
import { Header, isValidContentType, ProtocolError } from "@rivulet/protocol";
import type { HttpRequest } from "../exchange.js";

/** The request's Content-Type, if sent; 400 when it is not a valid media type. */
export function requestContentType(request: HttpRequest): string | undefined {
  const value = request.header(Header.contentType)?.trim();
  if (value === undefined || value === "") return undefined;
  if (!isValidContentType(value)) {
    throw new ProtocolError("BAD_REQUEST", `Invalid Content-Type: ${JSON.stringify(value)}`);
  }
  return value;
}
