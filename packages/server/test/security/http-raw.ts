/** node:http requests that keep the path exactly as written (fetch would normalise `..`). */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import type { RivuletServer } from "@rivulet/server";

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The `error.code` of a JSON error body. */
  code: string | undefined;
}

export function raw(
  server: RivuletServer,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer | string | Array<Buffer | string>,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(server.url);
    // Host, port and path apart: a URL string would be parsed, and `..` resolved, on our side.
    const req = httpRequest({ host: hostname, port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const data = Buffer.concat(chunks);
        let code: string | undefined;
        try {
          code = (JSON.parse(data.toString()) as { error?: { code?: string } }).error?.code;
        } catch {
          code = undefined;
        }
        resolve({ status: res.statusCode!, headers: res.headers, body: data, code });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    // An array is sent as separate chunks with Transfer-Encoding: chunked.
    for (const part of Array.isArray(body) ? body : body !== undefined ? [body] : []) req.write(part);
    req.end();
  });
}
