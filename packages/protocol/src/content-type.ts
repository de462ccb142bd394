/** Content types (PROTOCOL §9): comparison, JSON mode, and which types SSE sends as text. */

export const DEFAULT_CONTENT_TYPE = "application/octet-stream";

/** The media type without parameters, lower-cased: `application/json; charset=utf-8` → `application/json`. */
export function mediaType(contentType: string): string {
  const semi = contentType.indexOf(";");
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/** Two content types match when their media types match; parameters such as charset do not count. */
export function contentTypesMatch(a: string, b: string): boolean {
  return mediaType(a) === mediaType(b);
}

/** §9.1: JSON mode applies to `application/json` streams. */
export function isJsonContentType(contentType: string): boolean {
  return mediaType(contentType) === "application/json";
}

/** §5.8: SSE carries `text/*` and `application/json` as text; everything else as base64. */
export function isSseTextContentType(contentType: string): boolean {
  const type = mediaType(contentType);
  return type.startsWith("text/") || type === "application/json";
}

const MEDIA_TYPE_PATTERN = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/;

/** A syntactically valid `type/subtype`; anything else in Content-Type is a bad request. */
export function isValidContentType(contentType: string): boolean {
  return MEDIA_TYPE_PATTERN.test(mediaType(contentType));
}
