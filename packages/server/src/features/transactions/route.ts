/**
 * `POST {base}/__ds/transactions` (docs/kafka-layer.md, "Transactions"): parse, let the
 * participants prepare their parts (in field order), append everything in one atomic engine
 * call, then settle the participants and answer. Nothing is written unless all of it is.
 */
import { ProtocolError } from "@rivulet/protocol";
import type { AppendResult } from "../../engine/append-record.js";
import { type TransactionItem, TransactionRefusedError } from "../../engine/transaction.js";
import type { Context } from "../../http/context.js";
import type { HttpReply, HttpRequest } from "../../http/exchange.js";
import type { Demand, RouteSpec } from "../../http/routing/route.js";
import { itemResult, type PartRange, refusedItems, refusedPart } from "./answer.js";
import type { Outcome, TransactionObserver } from "./metrics.js";
import { type ParsedTransaction, parseTransaction } from "./parse.js";
import type { ParticipantRegistry, PreparedPart } from "./participant.js";
import type { ResolvedTransactionSettings } from "./settings.js";

export interface TransactionService {
  readonly basePath: string;
  readonly maxPathBytes: number;
  readonly maxMessageBytes: number;
  readonly settings: ResolvedTransactionSettings;
  readonly participants: ParticipantRegistry;
  readonly observer: TransactionObserver;
}

const encoder = new TextEncoder();
const JSON_TYPE = "application/json";

export function transactionRoute(service: TransactionService): RouteSpec {
  // Access control reads the body to learn the streams; the handler then uses the same parse.
  const parsed = new WeakMap<HttpRequest, Promise<ParsedTransaction>>();
  const parse = (request: HttpRequest): Promise<ParsedTransaction> => {
    let parsing = parsed.get(request);
    if (!parsing) {
      parsing = readTransaction(request, service);
      parsed.set(request, parsing);
    }
    return parsing;
  };
  return {
    method: "POST",
    path: "__ds/transactions",
    operation: "transaction",
    // `write` on every stream it appends to, and what each part's participant asks for.
    access: async (request) => demandsOf(await parse(request), service),
    handle: (request, context) => handleTransaction(request, context, service, parse),
  };
}

async function readTransaction(request: HttpRequest, service: TransactionService): Promise<ParsedTransaction> {
  const bytes = await request.readBody(service.settings.maxBytes);
  return parseTransaction(bytes, {
    basePath: service.basePath,
    maxPathBytes: service.maxPathBytes,
    maxItems: service.settings.maxItems,
    maxMessageBytes: service.maxMessageBytes,
    fields: service.participants.fields,
  });
}

function demandsOf(transaction: ParsedTransaction, service: TransactionService): Demand[] {
  const demands: Demand[] = transaction.items.map((item) => ({ scope: "write", path: item.path }));
  for (const [field, part] of transaction.parts) demands.push(...service.participants.get(field)!.demands(part));
  return demands;
}

async function handleTransaction(
  request: HttpRequest,
  context: Context,
  service: TransactionService,
  parse: (request: HttpRequest) => Promise<ParsedTransaction>,
): Promise<HttpReply> {
  const started = performance.now();
  let outcome: Outcome = "failed";
  try {
    const reply = await commit(await parse(request), context, service);
    outcome = "committed";
    return reply;
  } catch (error) {
    if (error instanceof ProtocolError && error.status < 500) {
      outcome = "refused";
      service.observer.refusedCodes(refusedCodes(error));
    }
    throw error;
  } finally {
    service.observer.finished(outcome, (performance.now() - started) / 1000);
  }
}

async function commit(
  transaction: ParsedTransaction,
  context: Context,
  service: TransactionService,
): Promise<HttpReply> {
  const prepared: Array<{ readonly field: string; readonly part: PreparedPart }> = [];
  let settled = false;
  try {
    const view = { paths: transaction.items.map((item) => item.path) };
    for (const [field, part] of transaction.parts) {
      try {
        prepared.push({ field, part: await service.participants.get(field)!.prepare(part, view) });
      } catch (error) {
        throw partFailure(field, error);
      }
    }
    const items: TransactionItem[] = transaction.items.map((item) => ({ ...item.request, path: item.path }));
    const ranges: PartRange[] = [];
    for (const { field, part } of prepared) {
      const start = items.length;
      for (const { path, body } of part.appends) items.push(internalAppend(path, body));
      ranges.push({ field, start, end: items.length });
    }
    let results: AppendResult[];
    try {
      results = await context.engine.appendAtomic(items);
    } catch (error) {
      if (error instanceof TransactionRefusedError) throw refusedItems(error, transaction.items, ranges);
      throw error;
    }
    settled = true;
    const answer: Record<string, unknown> = {
      items: transaction.items.map((item, i) => itemResult(item, results[i]!)),
    };
    for (const { field, part } of prepared) answer[field] = part.committed() ?? null;
    const written = transaction.items.filter((_, i) => results[i]!.written).length;
    service.observer.committedItems(transaction.items.length, written);
    return {
      status: 200,
      headers: { "content-type": JSON_TYPE, "cache-control": "no-store" },
      body: [encoder.encode(JSON.stringify(answer))],
    };
  } finally {
    if (!settled) for (const { part } of prepared) part.aborted();
  }
}

/**
 * A participant's error: a 400 is a malformed part (answered as it is, naming the part); any
 * other 4xx refuses the transaction (TRANSACTION_CONFLICT); a 5xx fails it.
 */
function partFailure(field: string, error: unknown): unknown {
  if (!(error instanceof ProtocolError) || error.status >= 500) return error;
  if (error.status !== 400) return refusedPart(field, error);
  return new ProtocolError(
    error.code,
    `\`${field}\`: ${error.message}`,
    { ...error.headers },
    {
      cause: error,
      details: { ...error.details, part: field },
    },
  );
}

/** A participant's append: JSON to an existing stream, no producer, no conditions. */
function internalAppend(path: string, body: Uint8Array): TransactionItem {
  return {
    path,
    body,
    hasBody: body.length > 0,
    contentType: JSON_TYPE,
    close: false,
    streamSeq: undefined,
    producer: undefined,
  };
}

/** The codes a refusal counts under: each refused item's and part's, or the request's own. */
function refusedCodes(error: ProtocolError): ProtocolError["code"][] {
  const errors = error.details?.errors;
  if (error.code !== "TRANSACTION_CONFLICT" || !Array.isArray(errors)) return [error.code];
  return errors.map((entry) => (entry as { code: ProtocolError["code"] }).code);
}
