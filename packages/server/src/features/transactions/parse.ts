/**
 * The transaction request body (docs/kafka-layer.md, "Transactions"), parsed and checked.
 * Pure: the stream rules (closure, producers, conditional appends) are the engine's; this
 * checks only what a request can get wrong on its own, with the codes a plain POST would answer
 * for the same mistake, naming the item.
 *
 *   { "items": [ { "path": "orders/0", "body": <JSON> | "text": "…" | "data": "<base64>",
 *                  "headers": { "Producer-Id": "…", "Producer-Epoch": "0", … } }, … ],
 *     "<participant field>": … }
 */
import {
  Header,
  isJsonContentType,
  isTrueFlag,
  isValidContentType,
  ProtocolError,
  parseExpectation,
  parseProducerClaim,
} from "@rivulet/protocol";
import type { AppendRequest } from "../../engine/append-record.js";
import { checkJsonMessageSize } from "../../http/middleware/json-message-size.js";
import { validateStreamPath } from "../../http/middleware/stream-path.js";
import { itemBodySpans } from "./raw-json.js";

export interface ParsedItem {
  /** The stream path as the client named it, relative to the base path (`orders/0`). */
  readonly name: string;
  /** The full stream path (`/v1/stream/orders/0`). */
  readonly path: string;
  readonly request: AppendRequest;
}

export interface ParsedTransaction {
  readonly items: readonly ParsedItem[];
  /** Participants' parts, by field, in field order. */
  readonly parts: ReadonlyArray<readonly [string, unknown]>;
}

export interface ParseRules {
  readonly basePath: string;
  readonly maxPathBytes: number;
  readonly maxItems: number;
  readonly maxMessageBytes: number;
  /** The fields participants handle on this server. */
  readonly fields: readonly string[];
}

/** The headers an item may carry: those of a POST that the transaction applies per item. */
const ITEM_HEADERS = new Set<string>([
  Header.contentType,
  Header.producerId,
  Header.producerEpoch,
  Header.producerSeq,
  Header.seq,
  Header.closed,
  Header.expectedOffset,
  Header.expectedSeq,
]);
const ITEM_FIELDS = new Set(["path", "body", "text", "data", "headers"]);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const JSON_TYPE = "application/json";
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

export function parseTransaction(bytes: Uint8Array, rules: ParseRules): ParsedTransaction {
  const value = parseJson(bytes);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid("A transaction is a JSON object with `items`");
  }
  const fields = value as Record<string, unknown>;
  const parts: Array<[string, unknown]> = [];
  for (const field of Object.keys(fields).sort()) {
    if (field === "items") continue;
    if (!rules.fields.includes(field)) {
      const known = ["items", ...rules.fields].map((f) => `\`${f}\``).join(", ");
      throw invalid(`Unknown field \`${field}\`: a transaction on this server has ${known}`);
    }
    parts.push([field, fields[field]]);
  }
  const raw = fields.items ?? [];
  if (!Array.isArray(raw)) throw invalid("`items` must be an array");
  if (raw.length > rules.maxItems) {
    throw new ProtocolError(
      "TOO_MANY_TRANSACTION_ITEMS",
      `A transaction may hold at most ${rules.maxItems} items; this one has ${raw.length}`,
    );
  }
  if (raw.length === 0 && parts.length === 0) throw invalid("A transaction needs at least one item");
  const spans = itemBodySpans(bytes);
  const seen = new Map<string, number>();
  const items = raw.map((entry, index) => {
    const item = withIndex(index, () => parseItem(entry, rules, bytes, spans.get(index)));
    const earlier = seen.get(item.path);
    if (earlier !== undefined) {
      throw invalid(
        `items[${index}] appends to ${item.name} again (as items[${earlier}] does): one item per stream, with several messages in its body`,
      );
    }
    seen.set(item.path, index);
    return item;
  });
  return { items, parts };
}

function parseItem(
  entry: unknown,
  rules: ParseRules,
  bytes: Uint8Array,
  span: readonly [number, number] | undefined,
): ParsedItem {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) throw invalid("must be an object");
  const fields = entry as Record<string, unknown>;
  for (const field of Object.keys(fields)) {
    if (!ITEM_FIELDS.has(field))
      throw invalid(`unknown field \`${field}\` (an item has path, body, text, data, headers)`);
  }
  const name = relativePath(fields.path, rules);
  const headers = parseHeaders(fields.headers);
  const close = isTrueFlag(headers.get(Header.closed));
  const given = ["body", "text", "data"].filter((field) => fields[field] !== undefined);
  if (given.length > 1) throw invalid(`has ${given.join(" and ")}: give one of body, text or data`);
  const declared = headers.get(Header.contentType)?.trim();
  if (declared !== undefined && !isValidContentType(declared)) {
    throw new ProtocolError("BAD_REQUEST", `Invalid Content-Type: ${JSON.stringify(declared)}`);
  }
  let body: Uint8Array = new Uint8Array(0);
  let contentType = declared;
  if (given[0] === "body") {
    if (declared !== undefined && !isJsonContentType(declared)) {
      throw invalid("`body` is JSON; send other content as `text` or `data` with its Content-Type");
    }
    // The client's own bytes (raw-json.ts); the span is always found for a body JSON.parse saw.
    body = span ? bytes.subarray(span[0], span[1]) : encoder.encode(JSON.stringify(fields.body));
    contentType = declared ?? JSON_TYPE;
  } else if (given[0] === "text") {
    if (typeof fields.text !== "string") throw invalid("`text` must be a string");
    body = encoder.encode(fields.text);
  } else if (given[0] === "data") {
    if (typeof fields.data !== "string" || !BASE64.test(fields.data)) throw invalid("`data` must be base64");
    body = Buffer.from(fields.data, "base64");
  }
  if (given.length > 0 && contentType === undefined) {
    throw new ProtocolError("MISSING_CONTENT_TYPE", "An item with `text` or `data` needs a Content-Type header");
  }
  if (contentType !== undefined && isJsonContentType(contentType)) checkJsonMessageSize(body, rules.maxMessageBytes);
  return {
    name,
    path: `${rules.basePath}/${name}`,
    request: {
      body,
      hasBody: body.length > 0,
      contentType: body.length > 0 ? contentType : undefined,
      close,
      streamSeq: headers.get(Header.seq),
      producer: parseProducerClaim(
        headers.get(Header.producerId),
        headers.get(Header.producerEpoch),
        headers.get(Header.producerSeq),
      ),
      expected: parseExpectation(headers.get(Header.expectedOffset), headers.get(Header.expectedSeq)),
    },
  };
}

/** An item's headers, by lower-case name; values are strings (integers may be JSON numbers). */
function parseHeaders(raw: unknown): Map<string, string> {
  const headers = new Map<string, string>();
  if (raw === undefined) return headers;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw invalid("`headers` must be an object");
  for (const [name, value] of Object.entries(raw)) {
    const key = name.toLowerCase();
    if (!ITEM_HEADERS.has(key)) {
      throw invalid(`header \`${name}\` does not apply to a transaction item`);
    }
    if (typeof value === "string") headers.set(key, value);
    else if (typeof value === "number" && Number.isSafeInteger(value)) headers.set(key, String(value));
    else throw invalid(`header \`${name}\` must be a string`);
  }
  return headers;
}

/**
 * A stream path relative to the base path, checked like a request path (PROTOCOL §12.2) and
 * never in the reserved `__ds` namespace, whose internal streams no request reaches. A leading
 * `/` is dropped, as in subscription bodies.
 */
function relativePath(raw: unknown, rules: ParseRules): string {
  if (typeof raw !== "string" || raw === "" || raw === "/") throw invalid("needs a `path`: a stream path");
  const path = raw.startsWith("/") ? raw.slice(1) : raw;
  if (path === "__ds" || path.startsWith("__ds/")) {
    throw new ProtocolError("INVALID_PATH", `${raw} is in the reserved __ds namespace, not a stream`);
  }
  validateStreamPath(`${rules.basePath}/${path}`, rules.maxPathBytes);
  return path;
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(strictUtf8.decode(bytes));
  } catch (cause) {
    throw new ProtocolError("INVALID_TRANSACTION", `A transaction is JSON: ${(cause as Error).message}`, {}, { cause });
  }
}

/** Runs a check of item `index`: its errors keep their code and say which item. */
function withIndex<T>(index: number, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    throw new ProtocolError(
      error.code,
      `items[${index}]: ${error.message}`,
      { ...error.headers },
      {
        cause: error,
        details: { ...error.details, item: index },
      },
    );
  }
}

function invalid(message: string): ProtocolError {
  return new ProtocolError("INVALID_TRANSACTION", message);
}
