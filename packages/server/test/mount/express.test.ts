/** Rivulet mounted in an Express 5 app under a prefix, through the node `(req, res)` handler. */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createNodeHandler, ProtocolApp } from "@rivulet/server";
import express from "express";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { smokeFlow } from "./smoke.js";

describe("mounted in Express", () => {
  // basePath is the full public path: the handler sees the URL the client sent, prefix included.
  const streams = new ProtocolApp({ basePath: "/api/v1/stream", longPollTimeoutMs: 2_000 });
  let server: Server;
  let origin: string;
  const send = (path: string, init?: RequestInit) => fetch(`${origin}${path}`, init);

  beforeAll(async () => {
    await streams.open();
    const app = express();
    // The host's own routes, with a body parser that must not touch Rivulet's requests.
    app.post("/api/echo", express.json(), (req, res) => {
      res.json(req.body);
    });
    app.use("/api", createNodeHandler(streams));
    await new Promise<void>((resolve) => {
      server = app.listen(0, "127.0.0.1", () => resolve());
    });
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await streams.close();
  });

  test("passes the smoke flow next to the host's own routes", async () => {
    const echo = await send("/api/echo", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"ok":true}',
    });
    expect(await echo.json()).toEqual({ ok: true });
    await smokeFlow(send, "/api/v1/stream/express-smoke", streams);
  });

  test("public paths work for Location and Stream-Forked-From under the mount prefix", async () => {
    const source = "/api/v1/stream/express-source";
    const created = await send(source, { method: "PUT", headers: { "content-type": "text/plain" }, body: "abc" });
    expect(new URL(created.headers.get("location")!).pathname).toBe(source);
    const fork = await send("/api/v1/stream/express-fork", {
      method: "PUT",
      headers: { "stream-forked-from": source },
    });
    expect(fork.status).toBe(201);
    expect(await (await send("/api/v1/stream/express-fork")).text()).toBe("abc");
  });
});
