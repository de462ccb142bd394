/**
 * Protocol extensions the server announces at `GET {base}/__ds/capabilities`, and the one the
 * stream page uses when it is there: the point-in-time lookup (`HEAD {stream}?at=<ms>` answers
 * `Stream-At-Offset`), for "read from a time". A server without the listing has none.
 */
import { ApiError, errorOf, getJson } from "./http.js";
import { authHeaders } from "./session.js";

export const TIME_INDEX = "time-index";

/** Asked once per page load: a server's extensions do not change while it runs. */
const asked = new Map<string, Promise<ReadonlySet<string>>>();

export function extensions(basePath: string): Promise<ReadonlySet<string>> {
  let answer = asked.get(basePath);
  if (!answer) {
    answer = ask(basePath);
    asked.set(basePath, answer);
    answer.catch(() => asked.delete(basePath));
  }
  return answer;
}

async function ask(basePath: string): Promise<ReadonlySet<string>> {
  try {
    const body = await getJson<{ extensions?: Record<string, unknown> }>(`${basePath}/__ds/capabilities`);
    return new Set(Object.keys(body.extensions ?? {}));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return new Set();
    throw error;
  }
}

/** The offset of the first message appended at or after `at` (ms since the epoch). */
export async function offsetAt(streamUrl: string, at: number): Promise<string> {
  const response = await fetch(`${streamUrl}?at=${at}`, { method: "HEAD", headers: authHeaders(), cache: "no-store" });
  if (!response.ok) throw await errorOf(response);
  const offset = response.headers.get("stream-at-offset");
  if (offset === null) throw new ApiError(response.status, "UNSUPPORTED", "The server did not answer a time lookup");
  return offset;
}
