/**
 * The tail of a partition stream now (`HEAD`, `Stream-Next-Offset`): where a consumer with
 * the `"latest"` policy starts a partition that has no committed offset. Asked before the
 * application hears of the assignment, so everything appended after `onAssigned` is seen.
 */
import { errorFromResponse, KafkaError } from "../errors.js";
import type { KafkaHttp } from "../http.js";

export async function latestOffset(http: KafkaHttp, url: string): Promise<string> {
  const { options } = http;
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const response = await options.fetch(url, {
    method: "HEAD",
    headers,
    signal: AbortSignal.timeout(options.timeoutMs),
  });
  if (!response.ok) throw errorFromResponse(response.status, undefined, response.headers.get("retry-after"));
  const offset = response.headers.get("stream-next-offset");
  if (offset === null) throw new KafkaError("PROTOCOL_ERROR", `${url} answered HEAD without Stream-Next-Offset`);
  return offset;
}
