/** Helpers for the transaction tests: sending a transaction and reading streams back. */
import { expect } from "vitest";
import { BASE, type TestApp } from "../handlers/helpers.js";

export const TX = `${BASE}/__ds/transactions`;

export interface ItemSpec {
  readonly path: string;
  readonly body?: unknown;
  readonly text?: string;
  readonly data?: string;
  readonly headers?: Record<string, string | number>;
}

/** POSTs a transaction body (an object, or raw text) and returns the response. */
export function transact(
  app: Pick<TestApp, "request">,
  body: object | string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return app.request(TX, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** The JSON messages of a stream (its full path), read from the start. */
export async function messages(app: Pick<TestApp, "request">, path: string): Promise<unknown[]> {
  const res = await app.request(`${path}?offset=-1`);
  expect(res.status, `read ${path}`).toBe(200);
  return (await res.json()) as unknown[];
}

/** A stream path relative to the base path, as transaction items name streams. */
export function relative(path: string): string {
  return path.slice(BASE.length + 1);
}

export interface Refusal {
  readonly item?: number;
  readonly part?: string;
  readonly path?: string;
  readonly code: string;
  readonly status: number;
  readonly message: string;
  readonly headers: Record<string, string>;
}

/** Asserts a 409 TRANSACTION_CONFLICT and returns its refusals. */
export async function refusals(res: Response): Promise<Refusal[]> {
  const body = (await res.json()) as { error: { code: string; errors: Refusal[] } };
  expect({ status: res.status, code: body.error.code }).toEqual({ status: 409, code: "TRANSACTION_CONFLICT" });
  return body.error.errors;
}
