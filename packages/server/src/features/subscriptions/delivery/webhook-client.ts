/**
 * One webhook request (PROTOCOL §7.1): POST the signed wake, within a deadline that covers
 * DNS, connecting, the response and its body. The connection only ever goes to an address
 * that passed the SSRF check (ssrf/target.ts); redirects are not followed (they would lead
 * anywhere). The answer is 2xx with `{"done": true}` (done), any other 2xx (accepted), or a
 * failure with its reason.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { ipFamily } from "../ssrf/addresses.js";
import { addressAllowed, guardedLookup, type TargetPolicy, TargetRefusedError } from "../ssrf/target.js";
import { hostOf } from "../ssrf/webhook-url.js";

export type FailureReason = "status" | "timeout" | "network" | "refused";

export type DeliveryResult =
  | { readonly kind: "done" | "accepted"; readonly status: number }
  | { readonly kind: "failed"; readonly reason: FailureReason; readonly status?: number; readonly detail: string };

/** Enough for `{"done": true}` and then some; larger answers are not read further. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export class WebhookClient {
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;
  private readonly lookup: ReturnType<typeof guardedLookup>;

  constructor(
    private readonly policy: TargetPolicy,
    private readonly timeoutMs: number,
    socketsPerOrigin: number,
  ) {
    this.lookup = guardedLookup(policy);
    const agentOptions = { keepAlive: true, maxSockets: socketsPerOrigin, timeout: timeoutMs };
    this.httpAgent = new HttpAgent(agentOptions);
    this.httpsAgent = new HttpsAgent(agentOptions);
  }

  /** Posts `body`; `headers()` is called just before sending (the signature's timestamp is fresh). */
  post(
    url: URL,
    body: Uint8Array,
    headers: () => Record<string, string>,
    signal: AbortSignal,
  ): Promise<DeliveryResult> {
    const host = hostOf(url);
    // An address in the URL skips DNS, so it is checked here.
    if (ipFamily(host) !== 0 && !addressAllowed(this.policy, host, host)) {
      return Promise.resolve({ kind: "failed", reason: "refused", detail: `${host} is not an allowed target` });
    }
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: DeliveryResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        resolve(result);
      };
      const send = url.protocol === "https:" ? httpsRequest : httpRequest;
      const request = send(url, {
        method: "POST",
        agent: url.protocol === "https:" ? this.httpsAgent : this.httpAgent,
        lookup: this.lookup,
        headers: { ...headers(), "content-length": String(body.length) },
      });
      const timer = setTimeout(() => {
        finish({ kind: "failed", reason: "timeout", detail: `no answer within ${this.timeoutMs} ms` });
        request.destroy();
      }, this.timeoutMs);
      const onAbort = () => {
        finish({ kind: "failed", reason: "network", detail: "delivery cancelled" });
        request.destroy();
      };
      signal.addEventListener("abort", onAbort, { once: true });
      request.on("error", (error) => finish(failure(error)));
      request.on("response", (response) => {
        readBounded(response).then(
          (text) => finish(classify(response.statusCode ?? 0, text)),
          (error: Error) => finish(failure(error)),
        );
      });
      request.end(body);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

function classify(status: number, text: string): DeliveryResult {
  if (status < 200 || status > 299) {
    return { kind: "failed", reason: "status", status, detail: `answered ${status}` };
  }
  return { kind: isDone(text) ? "done" : "accepted", status };
}

/** §7.1: `{"done": true}` finishes the wake synchronously. */
function isDone(text: string): boolean {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null && (value as { done?: unknown }).done === true;
  } catch {
    return false;
  }
}

function failure(error: Error): DeliveryResult {
  if (error instanceof TargetRefusedError) return { kind: "failed", reason: "refused", detail: error.message };
  const code = (error as NodeJS.ErrnoException).code;
  return { kind: "failed", reason: "network", detail: code ?? error.message };
}

function readBounded(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on("data", (chunk: Buffer) => {
      if (size >= MAX_RESPONSE_BYTES) return;
      chunks.push(chunk);
      size += chunk.length;
    });
    response.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    response.on("error", reject);
    response.on("aborted", () => reject(new Error("response aborted")));
  });
}
