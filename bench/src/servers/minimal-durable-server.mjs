// The durable ceiling: the least a durable HTTP server must do on this machine. A node:http
// server with no routing that appends every POST body to one file opened O_DSYNC and answers
// 204 only once the write holding that body has returned (the body is then on disk). Group
// commit: bodies that arrive while a write is in flight go out together in the next one, a
// single writev. The file is zero-filled before the server listens, so a write never grows the
// file and need not commit metadata; when records reach its end they start again at the front
// (only the cost of a durable write is modelled, not keeping the data). Other requests (PUT,
// GET) are answered 204 without storing anything. `--data-dir` names the directory.
import { closeSync, constants, fdatasyncSync, openSync, writeSync, writev } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";

const FILE_BYTES = 64 << 20;
const ZEROS = Buffer.alloc(1 << 20);

const dirFlag = process.argv.indexOf("--data-dir");
if (dirFlag < 0 || !process.argv[dirFlag + 1]) throw new Error("--data-dir <directory> is required");
const fd = openSync(
  join(process.argv[dirFlag + 1], "log"),
  constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_DSYNC,
);
for (let at = 0; at < FILE_BYTES; at += ZEROS.length) writeSync(fd, ZEROS, 0, ZEROS.length, at);
fdatasyncSync(fd);

/** Bodies and the answers waiting for them, gathered while a write is in flight. */
let queued = { bodies: [], responses: [], bytes: 0 };
let writing = false;
let position = 0;

function submit(body, response) {
  queued.bodies.push(body);
  queued.responses.push(response);
  queued.bytes += body.length;
  if (!writing) commit();
}

function commit() {
  const batch = queued;
  queued = { bodies: [], responses: [], bytes: 0 };
  writing = true;
  if (position + batch.bytes > FILE_BYTES) position = 0;
  const at = position;
  position += batch.bytes;
  writev(fd, batch.bodies, at, (error, written) => {
    if (error) throw error;
    if (written !== batch.bytes) throw new Error(`short write: ${written} of ${batch.bytes} bytes`);
    // Start the next write before answering this batch: the disk and the answers overlap.
    writing = false;
    if (queued.bodies.length > 0) commit();
    for (const response of batch.responses) {
      response.writeHead(204);
      response.end();
    }
  });
}

const server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.once("end", () => {
    if (request.method !== "POST" || chunks.length === 0) {
      response.writeHead(204);
      response.end();
      return;
    }
    submit(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), response);
  });
});
server.listen(0, "127.0.0.1", () => {
  console.log(`minimal durable listening on http://127.0.0.1:${server.address().port}`);
});

const stop = () => {
  server.closeAllConnections();
  server.close(() => {
    closeSync(fd);
    process.exit(0);
  });
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
