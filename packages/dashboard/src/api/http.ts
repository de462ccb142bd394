/**
 * Requests to the server's public HTTP API, same origin, with the session's token. Failures are
 * data: an ApiError with the server's stable code. A 401 means the token was refused: the
 * session hears it and the app asks for a token again.
 */
import { authHeaders, clearToken } from "./session.js";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export async function getJson<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const url = params.size > 0 ? `${path}?${params}` : path;
  let response: Response;
  try {
    response = await fetch(url, { headers: { ...authHeaders(), accept: "application/json" }, cache: "no-store" });
  } catch (error) {
    throw new ApiError(0, "NETWORK", `The server could not be reached (${(error as Error).message})`);
  }
  if (!response.ok) throw await errorOf(response);
  return (await response.json()) as T;
}

/** A JSON request that changes something (POST, PUT, DELETE); the reply's JSON, or undefined for 204. */
export async function sendJson<T>(method: string, path: string, body?: unknown): Promise<T | undefined> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: { ...authHeaders(), accept: "application/json", "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new ApiError(0, "NETWORK", `The server could not be reached (${(error as Error).message})`);
  }
  if (!response.ok) throw await errorOf(response);
  return response.status === 204 ? undefined : ((await response.json()) as T);
}

/** The server's `{"error":{"code","message"}}`, or the status when the body is not that. */
export async function errorOf(response: Response): Promise<ApiError> {
  let code = `HTTP_${response.status}`;
  let message = response.statusText || `HTTP ${response.status}`;
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } };
    code = body.error?.code ?? code;
    message = body.error?.message ?? message;
  } catch {
    // Not JSON: keep the status.
  }
  if (response.status === 401) clearToken("refused");
  return new ApiError(response.status, code, message);
}

/** What an error means to the user, in one line. */
export function explain(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 403)
      return `This token may not do that (${error.message}). The dashboard needs admin, and read and write to work with streams.`;
    return `${error.message} (${error.code})`;
  }
  return error instanceof Error ? error.message : String(error);
}
