/**
 * Generators for the fuzz suite: commands on a small pool of streams (so they interact), each
 * protocol header with valid, boundary and malformed values, JSON and binary bodies, paths
 * built to probe traversal and encoding, and raw-socket cases (malformed requests, cut-short
 * bodies, dropped connections). Producer sequence numbers are relative to what the model has
 * seen, so most are valid and gaps (which make the server wait) stay rare.
 */
import fc from "fast-check";

export const POOL = 4;

/**
 * Commands name their run's streams under this placeholder, replaced by a fresh prefix each
 * time a command list runs, so a shrunk counterexample never meets streams of an earlier try.
 */
export const RUN_PATH = "/v1/stream/fz/RUN~ID";

/** Buffers print as a short description in counterexamples, not as every byte. */
function described(bytes: Buffer): Buffer {
  const preview = bytes
    .subarray(0, 24)
    .toString("latin1")
    .replace(/[^\x20-\x7e]/g, ".");
  Object.defineProperty(bytes, fc.toStringMethod, {
    configurable: true,
    value: () => `Buffer(${bytes.length}: ${JSON.stringify(preview)}${bytes.length > 24 ? "…" : ""})`,
  });
  return bytes;
}

export type Auth = "full" | "read-only" | "none" | "garbage";

export interface ProducerPick {
  readonly id: string;
  readonly epochDelta: number;
  readonly seqDelta: number;
}

export type Command =
  | { kind: "create"; stream: number; headers: Record<string, string>; body: Buffer; auth: Auth }
  | { kind: "fork"; stream: number; source: string; headers: Record<string, string>; body: Buffer; auth: Auth }
  | {
      kind: "append";
      stream: number;
      /** A content type, or "match" for the stream's own. */
      contentType: string;
      headers: Record<string, string>;
      producer: ProducerPick | Record<string, string> | undefined;
      /** A body, or "match" for `jsonBody` on JSON streams and `bytesBody` on others. */
      body: Buffer | "match";
      jsonBody: Buffer;
      bytesBody: Buffer;
      chunked: boolean;
      auth: Auth;
    }
  | { kind: "read"; stream: number; query: string; headers: Record<string, string>; auth: Auth }
  | { kind: "head" | "delete"; stream: number; auth: Auth }
  | { kind: "random"; method: string; path: string; headers: Record<string, string>; body: Buffer; auth: Auth }
  | { kind: "raw"; case: RawCase };

export type RawCase =
  | { kind: "malformed"; bytes: Buffer }
  | { kind: "cut-short"; stream: number; chunked: boolean; body: Buffer; sent: number }
  | { kind: "abort-headers"; bytes: Buffer }
  | { kind: "sse-disconnect"; stream: number; afterMs: number }
  | { kind: "long-poll-disconnect"; stream: number; afterMs: number }
  | { kind: "trickle"; bytes: Buffer; gapMs: number };

const pick = <T>(...values: T[]) => fc.constantFrom(...values);
/** `arb` one time in `oneIn`, otherwise undefined. */
const sometimes = <T>(arb: fc.Arbitrary<T>, oneIn: number) =>
  fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

const auth: fc.Arbitrary<Auth> = fc.oneof(
  { weight: 12, arbitrary: fc.constant<Auth>("full") },
  { weight: 1, arbitrary: fc.constant<Auth>("read-only") },
  { weight: 1, arbitrary: fc.constant<Auth>("none") },
  { weight: 1, arbitrary: fc.constant<Auth>("garbage") },
);

const contentType = fc.oneof(
  { weight: 6, arbitrary: pick("application/json", "text/plain", "application/octet-stream") },
  { weight: 2, arbitrary: pick("application/json; charset=utf-8", "TEXT/Plain", "application/x-custom+json") },
  { weight: 1, arbitrary: pick("", "nonsense", "a/b/c", ";", "application/json;;", `x/${"y".repeat(300)}`) },
);

const ttl = pick("3600", "86400", "0", "1", "-1", "1.5", "1e3", "+5", "0010", "99999999999999999999", "", "abc");
const expiresAt = fc.oneof(
  pick("2099-01-01T00:00:00Z", "2000-01-01T00:00:00Z", "garbage", "2099-13-45T00:00:00Z", "", "2099-01-01"),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
);
const streamSeq = fc.oneof(fc.stringMatching(/^[0-9a-z]{1,6}$/), pick("", "\u00e9", " 1"));
const closedFlag = pick("true", "TRUE", "false", "yes", "", "1");
const offsetLike = fc.oneof(
  { weight: 4, arbitrary: pick("-1", "now") },
  { weight: 3, arbitrary: fc.nat({ max: 300_000 }).map((n) => `0000000000000000_${String(n).padStart(16, "0")}`) },
  {
    weight: 2,
    arbitrary: pick(
      "",
      "-2",
      "abc",
      "0000000000000000_",
      "0000000000000001_0000000000000000",
      "9999999999999999_9999999999999999",
      "0000000000000000_9999999999999999",
      "../x",
      "%00",
      "1".repeat(64),
    ),
  },
);

/** Printable bytes only: node:http refuses anything else in a header value. */
const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 40,
});

const jsonBody = fc
  .oneof(
    { weight: 5, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? "null")) },
    {
      weight: 5,
      arbitrary: fc
        .array(fc.jsonValue({ maxDepth: 2 }), { minLength: 1, maxLength: 6 })
        .map((v) => Buffer.from(JSON.stringify(v))),
    },
    {
      weight: 1,
      arbitrary: pick("[]", "[[]]", "[[1,2],[3]]", '\uFEFF{"bom":true}', " \r\n[ 1 ,\n2 ] ", '"\\u2028"').map(
        Buffer.from,
      ),
    },
    {
      weight: 1,
      arbitrary: pick("{", "[1,", "nul", "'single'", "[1]]", '{"a":}', "\u00ff", "1 2").map((t) =>
        Buffer.from(t, "latin1"),
      ),
    },
    // Around the 8 KiB message limit and the 64 KiB body limit the fuzzed server runs with.
    {
      weight: 1,
      arbitrary: fc.integer({ min: 8_000, max: 8_400 }).map((n) => Buffer.from(JSON.stringify("m".repeat(n)))),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 60_000, max: 70_000 })
        .map((n) => Buffer.from(JSON.stringify(Array(Math.ceil(n / 4000)).fill("k".repeat(4000))))),
    },
  )
  .map(described);

const bytesBody = fc
  .oneof(
    { weight: 6, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 2_000 }).map((b) => Buffer.from(b)) },
    { weight: 2, arbitrary: printable.filter((t) => t.length > 0).map((t) => Buffer.from(t)) },
    { weight: 1, arbitrary: fc.integer({ min: 65_000, max: 67_000 }).map((n) => Buffer.alloc(n, 0x42)) },
  )
  .map(described);

const body = fc
  .oneof(
    { weight: 5, arbitrary: jsonBody },
    { weight: 5, arbitrary: bytesBody },
    { weight: 1, arbitrary: fc.constant(Buffer.alloc(0)) },
  )
  .map(described);

/** Extra headers: a random subset of the protocol's (each present one time in `oneIn`), each valid, boundary or malformed. */
function headersOf(entries: Record<string, fc.Arbitrary<string>>, oneIn = 6): fc.Arbitrary<Record<string, string>> {
  return fc
    .record(Object.fromEntries(Object.entries(entries).map(([name, arb]) => [name, sometimes(arb, oneIn)])))
    .map(
      (record) =>
        Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as Record<string, string>,
    );
}

const commonHeaders = {
  "accept-encoding": pick("gzip", "br", "gzip;q=0", "*", "identity", "br;q=abc"),
  "x-request-id": fc.oneof(pick("fuzz-1", "a".repeat(200)), printable),
  "if-none-match": fc.oneof(pick("*", '"x"', 'W/"y"'), printable),
};

const producer: fc.Arbitrary<ProducerPick | Record<string, string>> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      id: pick("p1", "p2"),
      epochDelta: fc.oneof({ weight: 12, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: pick(1, -1) }),
      seqDelta: fc.oneof(
        { weight: 10, arbitrary: fc.constant(1) },
        { weight: 3, arbitrary: pick(0, -1) },
        { weight: 1, arbitrary: fc.constant(2) },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: headersOf({
      "producer-id": fc.oneof(pick("p1", ""), printable),
      "producer-epoch": pick("0", "-1", "1.5", "x", "9007199254740993", ""),
      "producer-seq": pick("0", "-1", "1e2", "y", "18446744073709551616", ""),
    }),
  },
);

export function commands(runPath: string): fc.Arbitrary<Command[]> {
  const stream = fc.nat({ max: POOL - 1 });
  const create = fc.record({
    kind: fc.constant("create" as const),
    stream,
    headers: fc
      .tuple(contentType, headersOf({ "stream-ttl": ttl, "stream-expires-at": expiresAt, "stream-closed": closedFlag }))
      .map(([type, extra]) => ({ ...(type === "" ? {} : { "content-type": type }), ...extra })),
    body: fc.oneof({ weight: 3, arbitrary: fc.constant(Buffer.alloc(0)) }, { weight: 1, arbitrary: body }),
    auth,
  });
  const fork = fc.record({
    kind: fc.constant("fork" as const),
    stream,
    source: fc.oneof(
      { weight: 6, arbitrary: stream.map((i) => `${runPath}/s${i}`) },
      {
        weight: 1,
        arbitrary: pick("relative", `${runPath}/../s0`, "/v1/stream/nowhere", "http://other.example/x", ""),
      },
    ),
    headers: headersOf({
      "stream-fork-offset": offsetLike,
      "stream-fork-sub-offset": pick("0", "1", "3", "-1", "x"),
      "content-type": contentType,
      "stream-ttl": ttl,
    }),
    body: fc.oneof({ weight: 4, arbitrary: fc.constant(Buffer.alloc(0)) }, { weight: 1, arbitrary: body }),
    auth,
  });
  const append = fc.record({
    kind: fc.constant("append" as const),
    stream,
    // "match": the stream's own type and a body of its kind, resolved when it runs.
    contentType: fc.oneof({ weight: 8, arbitrary: fc.constant("match") }, { weight: 1, arbitrary: contentType }),
    headers: fc
      .tuple(headersOf({ "stream-seq": streamSeq, ...commonHeaders }), sometimes(closedFlag, 12))
      .map(([extra, closed]) => (closed === undefined ? extra : { ...extra, "stream-closed": closed })),
    producer: sometimes(producer, 3),
    body: fc.oneof({ weight: 8, arbitrary: fc.constant("match" as const) }, { weight: 1, arbitrary: body }),
    jsonBody,
    bytesBody,
    chunked: fc.boolean(),
    auth,
  });
  const read = fc.record({
    kind: fc.constant("read" as const),
    stream,
    query: fc
      .tuple(
        fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 6, arbitrary: offsetLike }),
        fc.oneof(
          { weight: 12, arbitrary: fc.constant(undefined) },
          { weight: 2, arbitrary: fc.constant("long-poll") },
          { weight: 1, arbitrary: pick("sse", "bogus", "") },
        ),
        sometimes(fc.oneof(fc.nat().map(String), printable), 4),
      )
      .map(([offset, live, cursor]) => {
        const params = new URLSearchParams();
        if (offset !== undefined) params.set("offset", offset);
        if (live !== undefined) params.set("live", live);
        if (cursor !== undefined) params.set("cursor", cursor);
        const text = params.toString();
        return text ? `?${text}` : "";
      }),
    headers: headersOf(commonHeaders),
    auth,
  });
  const simple = fc.record({ kind: pick("head" as const, "delete" as const), stream, auth });
  const random = fc.record({
    kind: fc.constant("random" as const),
    method: pick("GET", "PUT", "POST", "DELETE", "HEAD", "OPTIONS", "PATCH", "FOO", "TRACE"),
    path: fuzzPath(runPath),
    headers: headersOf({
      ...commonHeaders,
      "content-type": contentType,
      "stream-ttl": ttl,
      "stream-forked-from": fc.oneof(pick(`${runPath}/s0`, "/v1/stream/../x"), printable),
      "stream-closed": closedFlag,
      origin: pick("https://a.example", "null"),
      "access-control-request-method": pick("POST", "GET"),
    }),
    body,
    auth,
  });
  const raw = rawCase().map((c) => ({ kind: "raw" as const, case: c }));
  return fc.array(
    fc.oneof(
      { weight: 4, arbitrary: create },
      { weight: 1, arbitrary: fork },
      { weight: 10, arbitrary: append },
      { weight: 4, arbitrary: read },
      { weight: 2, arbitrary: simple },
      { weight: 2, arbitrary: random },
      { weight: 2, arbitrary: raw },
    ),
    { minLength: 10, maxLength: 40, size: "max" },
  );
}

/** Each run starts with its pool created (one content type each), so appends have somewhere to land. */
export function setup(): fc.Arbitrary<Command[]> {
  return fc
    .array(pick("application/json", "text/plain", "application/octet-stream", "application/json; charset=utf-8"), {
      minLength: POOL,
      maxLength: POOL,
    })
    .map((types) =>
      types.map((type, stream) => ({
        kind: "create" as const,
        stream,
        headers: { "content-type": type },
        body: Buffer.alloc(0),
        auth: "full" as const,
      })),
    );
}

/**
 * Paths that probe traversal, encoding and reserved names. Never a pool stream's exact path:
 * requests on those go through the model. Printable ASCII only (node:http's rule); raw
 * cases send the rest.
 */
function fuzzPath(runPath: string): fc.Arbitrary<string> {
  const segment = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/),
    pick(
      "..",
      ".",
      "%2e%2e",
      "%2E%2e",
      "%2f",
      "%5c",
      "%00",
      "%0a",
      "%zz",
      "%",
      "%e2%80%ae",
      "%c3%a9",
      "__ds",
      "streams",
      "%252e%252e",
    ),
  );
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => `${runPath}/x/${s.join("/")}`),
    },
    { weight: 2, arbitrary: fc.array(segment, { maxLength: 4 }).map((s) => `/v1/stream/${s.join("/")}`) },
    {
      weight: 2,
      arbitrary: pick(
        "/",
        "/healthz",
        "/readyz",
        "/metrics",
        "/v1/stream",
        "/v1/stream/",
        "/v1/stream//",
        "/v1/stream/__ds/streams",
        "/v1/stream/__ds/streams?limit=0",
        "/v1/stream/__ds/streams?limit=5&after=%00",
        `/v1/stream/__ds/streams?prefix=${encodeURIComponent(runPath)}`,
        "/v1/stream/__ds/other",
        "*",
      ),
    },
    { weight: 1, arbitrary: fc.integer({ min: 200, max: 400 }).map((n) => `${runPath}/x/${"L".repeat(n)}`) },
  );
}

function rawCase(): fc.Arbitrary<RawCase> {
  const stream = fc.nat({ max: POOL - 1 });
  const junk = fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => Buffer.from(b)),
    pick(
      "GET /v1/stream/x HTTP/1.1\r\nHost: h\r\nX: a\u0000b\r\n\r\n",
      "GET /v1/stream/a\u0001b HTTP/1.1\r\nHost: h\r\n\r\n",
      "GET /v1/stream/x HTTP/1.1\r\nBad Header: 1\r\n\r\n",
      "GET /v1/stream/x HTTP/9.9\r\nHost: h\r\n\r\n",
      "POST /v1/stream/x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "POST /v1/stream/x HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
      "POST /v1/stream/x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "POST /v1/stream/x HTTP/1.1\r\nHost: h\r\nContent-Length: -5\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\n\n",
      `GET /v1/stream/x HTTP/1.1\r\nHost: h\r\nX-Big: ${"b".repeat(20_000)}\r\n\r\n`,
      "GET /healthz HTTP/1.1\r\nHost: h\r\n\r\nGARBAGE AFTER A GOOD REQUEST\r\n\r\n",
      "\r\n\r\n\r\n",
    ).map((t) => Buffer.from(t, "latin1")),
  );
  return fc.oneof(
    fc.record({ kind: fc.constant("malformed" as const), bytes: junk }),
    fc.record({
      kind: fc.constant("cut-short" as const),
      stream,
      chunked: fc.boolean(),
      body: fc.oneof(jsonBody, bytesBody).filter((b) => b.length > 1),
      sent: fc.double({ min: 0, max: 0.99, noNaN: true }),
    }),
    fc.record({
      kind: fc.constant("abort-headers" as const),
      bytes: pick("GET /v1/stream/", "POST /v1/stream/x HTTP/1.1\r\nHost: h\r\nContent-Le", "PUT").map((t) =>
        Buffer.from(t),
      ),
    }),
    fc.record({ kind: fc.constant("sse-disconnect" as const), stream, afterMs: fc.integer({ min: 0, max: 30 }) }),
    fc.record({ kind: fc.constant("long-poll-disconnect" as const), stream, afterMs: fc.integer({ min: 0, max: 30 }) }),
    fc.record({
      kind: fc.constant("trickle" as const),
      bytes: pick("GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n").map((t) => Buffer.from(t)),
      gapMs: fc.integer({ min: 0, max: 2 }),
    }),
  );
}
