/**
 * End to end through a real `rivulet serve` process (allowed to call this machine with
 * `--webhook-allow`): the receiver helper gets signed wakes, reads their data and acks them,
 * and keeps verifying across a key rotation by fetching the key set again.
 */
import type { IncomingMessage } from "node:http";
import { SubscriptionsClient, type Wake, webhookReceiver } from "@rivulet/client/subscriptions";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type ServerProcess, spawnServer } from "../../../server/test/support/spawn-server.js";
import { Events, eventually, httpServer } from "./support.js";

let server: ServerProcess;
beforeAll(async () => {
  server = await spawnServer(["--store", "memory", "--webhook-allow", "127.0.0.1,localhost"]);
});
afterAll(async () => {
  server.child.kill("SIGKILL");
  await server.exited;
});

test("signed wakes from rivulet serve are verified, read and acked, before and after the signing key rotates", async () => {
  const root = `${server.url}/v1/stream`;
  let jwksFetches = 0;
  const subs = new SubscriptionsClient({
    baseUrl: root,
    fetch: (input, init) => {
      if (input.endsWith("/__ds/jwks.json")) jwksFetches++;
      return fetch(input, init);
    },
  });
  const handled = new Events<{ wake: Wake; items: unknown[]; kid: string }>();
  const kids: string[] = [];
  const receiver = webhookReceiver(
    subs,
    async (wake) => {
      const items = await (await wake.read(wake.streams[0]!)).json();
      handled.push({ wake, items, kid: kids[kids.length - 1]! });
    },
    { keyCooldownMs: 0 },
  );
  const http = await httpServer((req: IncomingMessage, res) => {
    kids.push(/kid=([^,]+)/.exec(String(req.headers["webhook-signature"]))?.[1] ?? "");
    void receiver.node(req, res);
  });
  try {
    await subs.create("orders", { pattern: "orders/*", webhook: http.url });
    const put = await fetch(`${root}/orders/1`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ item: "tea" }),
    });
    const first = await handled.next(() => true);
    expect(first.items).toEqual([{ item: "tea" }]);
    const tail = put.headers.get("stream-next-offset");
    await eventually(async () => (await subs.get("orders")).streams[0]?.ackedOffset === tail);

    const { kid } = await subs.rotateSigningKey();
    expect(kid).not.toBe(first.kid);
    const post = await fetch(`${root}/orders/1`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ item: "cake" }),
    });
    const second = await handled.next((event) => event.wake.generation === 2);
    expect(second.kid).toBe(kid);
    expect(second.items).toEqual([{ item: "cake" }]);
    // The new key was learned by fetching the set again.
    expect(jwksFetches).toBe(2);
    const after = post.headers.get("stream-next-offset");
    await eventually(async () => (await subs.get("orders")).streams[0]?.ackedOffset === after);
  } finally {
    await receiver.close();
    await http.close();
  }
});
