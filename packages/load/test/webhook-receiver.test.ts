/**
 * Scenario 8's webhook receiver against a stand-in server: it takes signed wakes (PROTOCOL
 * §7.1) and checks them against the stand-in's JWKS (§6.5), acknowledges by `done` or by a
 * callback, and counts what goes wrong instead of throwing.
 */
import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { type AckMode, type Wake, WebhookReceiver } from "../src/generators/webhooks/receiver.js";
import { SignatureCheck } from "../src/generators/webhooks/signature-check.js";

interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly jwk: Record<string, unknown>;
}

function signingKey(kid: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { kid, privateKey, jwk: { ...publicKey.export({ format: "jwk" }), kid, use: "sig", alg: "EdDSA" } };
}

/** A stand-in for the server: its JWKS, and a callback endpoint that records what it gets. */
class StandIn {
  readonly keys: SigningKey[] = [signingKey("k1")];
  readonly callbacks: Array<{ headers: IncomingHttpHeaders; body: unknown }> = [];
  jwksFetches = 0;
  callbackStatus = 200;
  private readonly server: Server;
  private waiter: (() => void) | undefined;
  url = "";

  constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.once("end", () => {
        if (request.url === "/v1/stream/__ds/jwks.json") {
          this.jwksFetches++;
          response.writeHead(200, { "content-type": "application/jwk-set+json" });
          response.end(JSON.stringify({ keys: this.keys.map((key) => key.jwk) }));
          return;
        }
        this.callbacks.push({ headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString()) });
        response.writeHead(this.callbackStatus, { "content-type": "application/json" }).end('{"ok":true}');
        this.waiter?.();
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  nextCallback(): Promise<void> {
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function wake(standIn: StandIn): Wake {
  return {
    subscription_id: "s1",
    wake_id: "w_1",
    generation: 3,
    streams: [
      { path: "subs/1/0", tail_offset: "0000000000000000_0000000000000300", has_pending: true },
      { path: "subs/1/1", tail_offset: "0000000000000000_0000000000000000", has_pending: false },
    ],
    callback_url: `${standIn.url}/v1/stream/__ds/subscriptions/s1/callback`,
    callback_token: "token-1",
  };
}

/** POSTs a webhook as a server would, signed with `key` (or with a broken signature). */
async function post(url: string, body: string, key: SigningKey, broken = false): Promise<Response> {
  const t = Math.floor(Date.now() / 1000);
  const signature = sign(null, Buffer.from(`${t}.${broken ? `${body} ` : body}`), key.privateKey).toString("base64url");
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "webhook-signature": `t=${t},kid=${key.kid},ed25519=${signature}` },
    body,
  });
}

let standIn: StandIn;
let receiver: WebhookReceiver | undefined;
const woken: Array<{ wake: Wake; at: number }> = [];

beforeEach(async () => {
  standIn = new StandIn();
  await standIn.start();
  woken.length = 0;
});

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  await standIn.stop();
});

async function listen(ack: AckMode, verify: boolean): Promise<string> {
  const signatures = new SignatureCheck(`${standIn.url}/v1/stream/__ds/jwks.json`);
  receiver = new WebhookReceiver({ ack, callbackConnections: 2, ...(verify ? { signatures } : {}) }, (received, at) =>
    woken.push({ wake: received, at }),
  );
  return receiver.listen();
}

describe("WebhookReceiver", () => {
  test("callback mode: answers at once, then acks the pending streams' tails with the wake's token and done", async () => {
    const url = await listen("callback", true);
    const called = standIn.nextCallback();
    const before = performance.now();
    const answer = await post(url, JSON.stringify(wake(standIn)), standIn.keys[0]!);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({});
    await called;
    expect(standIn.callbacks).toHaveLength(1);
    const [callback] = standIn.callbacks;
    expect(callback!.headers.authorization).toBe("Bearer token-1");
    expect(callback!.body).toEqual({
      wake_id: "w_1",
      generation: 3,
      acks: [{ stream: "subs/1/0", offset: "0000000000000000_0000000000000300" }],
      done: true,
    });
    expect(woken.map((w) => w.wake.wake_id)).toEqual(["w_1"]);
    expect(woken[0]!.at).toBeGreaterThanOrEqual(before);
    expect(receiver!.wakes).toBe(1);
    expect(receiver!.failures).toBe(0);
  });

  test("done mode: the answer is the acknowledgement, and nothing calls back", async () => {
    const url = await listen("done", false);
    const answer = await post(url, JSON.stringify(wake(standIn)), standIn.keys[0]!);
    expect(await answer.json()).toEqual({ done: true });
    await receiver!.close();
    receiver = undefined;
    expect(standIn.callbacks).toEqual([]);
    // Without verification the JWKS is never needed.
    expect(standIn.jwksFetches).toBe(0);
    expect(woken).toHaveLength(1);
  });

  test("a bad signature is refused with 401 and counted; the wake is not reported", async () => {
    const url = await listen("done", true);
    const answer = await post(url, JSON.stringify(wake(standIn)), standIn.keys[0]!, true);
    expect(answer.status).toBe(401);
    expect(woken).toEqual([]);
    expect(receiver!.failures).toBe(1);
    expect(receiver!.firstFailure).toBe("signature does not match the body");
  });

  test("a key the receiver has not seen is looked up again in the JWKS (rotation)", async () => {
    const url = await listen("done", true);
    expect((await post(url, JSON.stringify(wake(standIn)), standIn.keys[0]!)).status).toBe(200);
    expect(standIn.jwksFetches).toBe(1);
    standIn.keys.push(signingKey("k2"));
    expect((await post(url, JSON.stringify(wake(standIn)), standIn.keys[1]!)).status).toBe(200);
    expect(standIn.jwksFetches).toBe(2);
    // Unknown even after a fresh look: refused.
    expect((await post(url, JSON.stringify(wake(standIn)), signingKey("k3"))).status).toBe(401);
    expect(receiver!.firstFailure).toContain("no key k3");
    expect(woken).toHaveLength(2);
  });

  test("a body that is not a wake is refused with 400; a callback not answered 200 is counted", async () => {
    const url = await listen("callback", false);
    const answer = await fetch(url, { method: "POST", body: '{"streams": "nope"}' });
    expect(answer.status).toBe(400);
    expect(receiver!.firstFailure).toBe("a webhook body that is not a wake");
    standIn.callbackStatus = 409;
    const called = standIn.nextCallback();
    await post(url, JSON.stringify(wake(standIn)), standIn.keys[0]!);
    await called;
    await receiver!.close();
    expect(receiver!.failures).toBe(2);
    receiver = undefined;
  });
});
