/** One `rivulet serve` node of a local cluster, as a child process; its URL read from its start line. */
import { type ChildProcess, spawn } from "node:child_process";

export interface NodeProcess {
  readonly id: string;
  /** `http://host:port` */
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

const LISTENING = /rivulet listening on (http:\/\/[^/\s]+)/;

export async function startNode(id: string, args: readonly string[]): Promise<NodeProcess> {
  // The same program this command runs as: the built CLI, or its sources under a loader.
  const child = spawn(
    process.execPath,
    [...process.execArgv, process.argv[1] ?? "", "serve", ...args, "--node-id", id],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  const url = await new Promise<string>((resolve, reject) => {
    let stderr = "";
    const onData = (chunk: Buffer) => {
      stderr += chunk.toString();
      const found = LISTENING.exec(stderr);
      if (!found?.[1]) return;
      child.stderr?.off("data", onData);
      resolve(found[1]);
    };
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`node ${id} exited (${code}): ${stderr.trim()}`)));
  });
  // Keep reading what the node says so its pipe never fills up.
  child.stderr?.resume();
  return { id, url, child, stop };
}
