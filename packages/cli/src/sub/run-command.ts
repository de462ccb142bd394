/**
 * Runs the worker's command for one wake: the wake's pending data on its stdin — each stream
 * from its cursor to its tail, in the wake's order; JSON streams one message per line, other
 * streams their bytes as stored — and what the wake is in its environment. Resolves when the
 * command exits 0; a non-zero exit is a `CommandFailed`. When the wake is lost or the worker
 * stops, the command gets SIGTERM.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import type { Writable } from "node:stream";
import type { Wake } from "@rivulet/client/subscriptions";
import { isJsonContentType } from "@rivulet/protocol";
import { CliError } from "../failure.js";

/** The command ran and did not exit 0: the wake is not acked. */
export class CommandFailed extends Error {
  constructor(readonly exit: string) {
    super(`the command ${exit}`);
    this.name = "CommandFailed";
  }
}

export async function runForWake(command: readonly string[], wake: Wake): Promise<void> {
  const [file, ...args] = command;
  const child = spawn(file!, args, {
    stdio: ["pipe", "inherit", "inherit"],
    env: {
      ...process.env,
      RIVULET_SUBSCRIPTION: wake.subscriptionId,
      RIVULET_WAKE_ID: wake.wakeId,
      RIVULET_GENERATION: String(wake.generation),
      RIVULET_STREAMS: wake.streams.map((stream) => stream.path).join("\n"),
    },
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once("error", (error) =>
      reject(new CliError("USAGE", `cannot run ${file}: ${error.message}`, { cause: error })),
    );
    child.once("close", (code, signal) => resolve({ code, signal }));
  });
  const terminate = () => child.kill("SIGTERM");
  wake.signal.addEventListener("abort", terminate, { once: true });
  // The command may exit without reading all of its input: that is its business.
  child.stdin.on("error", () => {});
  try {
    const fed = feed(child.stdin, wake).catch((error: unknown) => {
      terminate();
      throw error;
    });
    const [, { code, signal }] = await Promise.all([fed, exited]);
    if (code !== 0) throw new CommandFailed(signal ? `was killed by ${signal}` : `exited with ${code}`);
  } finally {
    wake.signal.removeEventListener("abort", terminate);
  }
}

async function feed(stdin: Writable, wake: Wake): Promise<void> {
  for (const stream of wake.streams) {
    const response = await wake.read(stream);
    const json = response.contentType !== undefined && isJsonContentType(response.contentType);
    for await (const batch of response) {
      if (json) {
        if (batch.items.length > 0)
          await write(stdin, `${batch.items.map((item) => JSON.stringify(item)).join("\n")}\n`);
      } else if (batch.data.length > 0) await write(stdin, batch.data);
    }
  }
  stdin.end();
}

async function write(stdin: Writable, data: string | Uint8Array): Promise<void> {
  if (stdin.destroyed || stdin.writableEnded) return;
  if (!stdin.write(data)) await Promise.race([once(stdin, "drain"), once(stdin, "close")]);
}
