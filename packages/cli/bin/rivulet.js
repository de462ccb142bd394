#!/usr/bin/env node
// Plain JS so npm can link it before the TypeScript build has run.
// File I/O and fsync run on libuv's thread pool; four threads (the default) are too few for a
// server doing group commits, data-file writes and reads at once. Must be set before first use.
process.env.UV_THREADPOOL_SIZE ??= "16";
await import("../dist/bin.js");
