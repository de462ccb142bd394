/**
 * A process that appends five items with a producer that never sends on its own (lingerMs
 * Infinity), then ends by the route named in argv[2]. Run by exit-routes.test.ts, which then
 * reads on the server what landed. Prints "ready" once the items are queued.
 *
 * argv: <route> <stream url>
 */
import { DurableStream } from "@rivulet/client";
import { flushOnExit } from "@rivulet/client/node";
import { IdempotentProducer } from "@rivulet/client/producer";

const [route, url] = process.argv.slice(2);
if (route === undefined || url === undefined) throw new Error("usage: exit-child <route> <stream url>");

const stream = new DurableStream({ url, contentType: "application/json" });
const producer = new IdempotentProducer(stream, "exit-child", { lingerMs: Number.POSITIVE_INFINITY });
if (!route.startsWith("unguarded")) flushOnExit(producer, { uncaughtException: route === "throw-flushed" });

async function scoped(): Promise<void> {
  await using scopedProducer = new IdempotentProducer(stream, "exit-child-scoped", {
    lingerMs: Number.POSITIVE_INFINITY,
  });
  for (let i = 0; i < 5; i++) scopedProducer.append(i);
}

if (route === "await-using-then-exit") {
  await scoped();
  process.exit(0);
}
for (let i = 0; i < 5; i++) producer.append(i);
process.stdout.write("ready\n");

switch (route) {
  case "exit":
    process.exit(0);
    break;
  case "flush-then-exit":
    await producer.flush();
    process.exit(0);
    break;
  case "throw":
  case "throw-flushed":
    setImmediate(() => {
      throw new Error("boom from the application");
    });
    break;
  case "signal":
    // Stays alive until the test sends a signal.
    setInterval(() => {}, 60_000);
    break;
  case "before-exit":
  case "unguarded-before-exit":
    // Nothing more to do: the event loop runs dry.
    break;
  default:
    throw new Error(`unknown route ${route}`);
}
