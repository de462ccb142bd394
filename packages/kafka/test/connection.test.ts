import { afterEach, describe, expect, it, vi } from "vitest";
import { Kafka, KafkaError, QuotaExceededError, TopicNotFoundError } from "../src/index.js";

describe("Kafka connection settings", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("takes the server and token from RIVULET_URL and RIVULET_TOKEN, and a bare server means /v1/stream", () => {
    vi.stubEnv("RIVULET_URL", "http://example.test:9000");
    vi.stubEnv("RIVULET_TOKEN", "secret");
    const kafka = new Kafka();
    expect(kafka.http.options.root).toBe("http://example.test:9000/v1/stream");
    expect(kafka.http.options.token).toBe("secret");
    expect(kafka.http.api("topics/orders")).toBe("http://example.test:9000/v1/stream/__ds/topics/orders");
  });

  it("keeps a stream root with a path as given", () => {
    const kafka = new Kafka({ url: "https://host/api/streams/" });
    expect(kafka.http.stream("topics/orders/0")).toBe("https://host/api/streams/topics/orders/0");
  });

  it("refuses settings that cannot work with INVALID_ARGUMENT", () => {
    for (const options of [{ url: "ftp://x" }, { url: "not a url" }, { timeoutMs: 0 }, { retries: -1 }]) {
      expect(() => new Kafka(options)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    }
  });

  it("maps refusals to typed errors by code, retries what is retriable, and honours the token", async () => {
    const seen: { url: string; auth: string | null }[] = [];
    const answers = [
      { status: 503, body: { error: { code: "UNAVAILABLE", message: "replaying" } }, retryAfter: "0" },
      { status: 404, body: { error: { code: "TOPIC_NOT_FOUND", message: "no topic orders" } } },
    ];
    const kafka = new Kafka({
      url: "http://h:1",
      token: "t",
      retryBackoffMs: 1,
      fetch: async (url, init) => {
        seen.push({ url, auth: new Headers(init.headers).get("authorization") });
        const answer = answers.shift();
        if (answer === undefined) throw new Error("unexpected request");
        return new Response(JSON.stringify(answer.body), {
          status: answer.status,
          headers: answer.retryAfter === undefined ? {} : { "retry-after": answer.retryAfter },
        });
      },
    });
    const failure = kafka.http.call("GET", kafka.http.api("topics/orders"), { retry: true });
    await expect(failure).rejects.toBeInstanceOf(TopicNotFoundError);
    await expect(failure).rejects.toMatchObject({ code: "TOPIC_NOT_FOUND", status: 404, isRetriable: false });
    expect(seen).toHaveLength(2);
    expect(seen.every((request) => request.auth === "Bearer t")).toBe(true);
  });

  it("gives up after its retries with the last retriable error", async () => {
    let calls = 0;
    const kafka = new Kafka({
      url: "http://h:1",
      retries: 2,
      retryBackoffMs: 1,
      fetch: async () => {
        calls++;
        return new Response(JSON.stringify({ error: { code: "TOO_MANY_CONNECTIONS", message: "busy" } }), {
          status: 503,
        });
      },
    });
    const failure = kafka.http.call("GET", kafka.http.api("groups"), { retry: true });
    await expect(failure).rejects.toBeInstanceOf(QuotaExceededError);
    expect(calls).toBe(3);
    const once = kafka.http.call("POST", kafka.http.api("groups"), { body: {} });
    await expect(once).rejects.toBeInstanceOf(KafkaError);
    expect(calls).toBe(4);
  });

  it("reports an unreachable server as a retriable DisconnectedError", async () => {
    const kafka = new Kafka({ url: "http://127.0.0.1:1", retries: 0 });
    await expect(kafka.http.call("GET", kafka.http.api("topics"))).rejects.toMatchObject({
      name: "DisconnectedError",
      code: "NETWORK",
      isRetriable: true,
    });
  });
});
