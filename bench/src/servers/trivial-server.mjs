// The ceiling: a node:http server with no routing and no storage. A POST or PUT is read and
// answered 204 (it only counts the bytes POSTed to each path). For the fan-out scenario it
// keeps live readers as cheaply as it can: a GET with live=sse gets an event stream, a GET
// with live=long-poll waits; each POST body is written as-is to every reader of that path.
// For the catch-up scenario a plain GET answers up to 1 MiB of filler bytes from `offset`
// until the counted size, with Stream-Next-Offset. It checks nothing and stores nothing, so
// its figures are what the machine and the load generator allow. Plain JavaScript, like the
// other server runners. A long-poll body of 1 KiB or more goes compressed to a waiter that
// accepts br or gzip (the same threshold, codings and levels as Rivulet), compressed once per
// append and coding, synchronously; SSE events are never compressed.
import { createServer } from "node:http";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const COMPRESS_MIN_BYTES = 1024;

/** path → { sse: Set<response>, waiting: Set<response> } */
const readers = new Map();
/** path → bytes POSTed so far */
const sizes = new Map();
let position = 0;
const CHUNK = Buffer.alloc(1 << 20, 120);

function readersOf(path) {
  let entry = readers.get(path);
  if (!entry) {
    entry = { sse: new Set(), waiting: new Set() };
    readers.set(path, entry);
  }
  return entry;
}

function live(request, response) {
  const query = request.url.indexOf("?");
  const path = query < 0 ? request.url : request.url.slice(0, query);
  const entry = readersOf(path);
  if (request.url.includes("live=sse")) {
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    response.write(": attached\n\n");
    entry.sse.add(response);
    response.once("close", () => entry.sse.delete(response));
  } else {
    entry.waiting.add(response);
    response.once("close", () => entry.waiting.delete(response));
  }
}

function publish(path, body) {
  const entry = readers.get(path);
  if (!entry) return;
  position += body.length;
  const offset = String(position);
  const event = `event: data\ndata:${body.toString("latin1")}\n\n`;
  for (const response of entry.sse) response.write(event);
  const waiting = [...entry.waiting];
  entry.waiting.clear();
  const compressed = new Map();
  for (const response of waiting) {
    const coding = body.length >= COMPRESS_MIN_BYTES ? codingFor(response.req.headers["accept-encoding"]) : undefined;
    const headers = { "content-type": "application/json", "stream-next-offset": offset };
    if (!coding) {
      response.writeHead(200, headers);
      response.end(body);
      continue;
    }
    if (!compressed.has(coding)) compressed.set(coding, compress(coding, body));
    response.writeHead(200, { ...headers, "content-encoding": coding, vary: "accept-encoding" });
    response.end(compressed.get(coding));
  }
}

function codingFor(accept = "") {
  const codings = accept.split(",").map((item) => item.trim().split(";")[0].toLowerCase());
  if (codings.includes("br")) return "br";
  if (codings.includes("gzip")) return "gzip";
  return undefined;
}

function compress(coding, body) {
  if (coding === "gzip") return gzipSync(body, { level: 6 });
  return brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } });
}

function catchUp(request, response) {
  const query = request.url.indexOf("?");
  const path = query < 0 ? request.url : request.url.slice(0, query);
  const size = sizes.get(path) ?? 0;
  const offset = Math.max(0, Number(new URLSearchParams(request.url.slice(query + 1)).get("offset")) || 0);
  const length = Math.max(0, Math.min(CHUNK.length, size - offset));
  const headers = { "content-length": length, "stream-next-offset": String(offset + length) };
  if (offset + length >= size) headers["stream-up-to-date"] = "true";
  response.writeHead(200, headers);
  response.end(length === CHUNK.length ? CHUNK : CHUNK.subarray(0, length));
}

const server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
  if (request.method === "GET") {
    return request.url.includes("live=") ? live(request, response) : catchUp(request, response);
  }
  const path = request.url;
  if (request.method !== "POST" || !readers.has(path)) {
    let bytes = 0;
    request.on("data", (chunk) => {
      bytes += chunk.length;
    });
    request.once("end", () => {
      if (bytes > 0) sizes.set(path, (sizes.get(path) ?? 0) + bytes);
      response.writeHead(204);
      response.end();
    });
    return;
  }
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.once("end", () => {
    publish(path, Buffer.concat(chunks));
    response.writeHead(204);
    response.end();
  });
});
server.listen(0, "127.0.0.1", () => {
  console.log(`trivial listening on http://127.0.0.1:${server.address().port}`);
});

const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
