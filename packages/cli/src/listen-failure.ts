/**
 * Why `rivulet serve` could not listen, said the way a user can act on it. Only the
 * socket errors a user causes with --host and --port are translated; anything else is a bug
 * and stays INTERNAL.
 */
import { CliError } from "./failure.js";

export function listenFailure(error: unknown, host: string, port: number): CliError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  const address = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  const hint = (() => {
    switch (code) {
      case "EADDRINUSE":
        return `${address} is already in use, perhaps by another rivulet serve: stop it, or choose another port with --port (--port 0 picks a free one)`;
      case "EACCES":
        return `no permission to listen on ${address} (ports below 1024 need privileges): choose another port with --port`;
      case "EADDRNOTAVAIL":
        return `${host} is not an address of this machine: choose another with --host (127.0.0.1, or 0.0.0.0 for all)`;
      default:
        return undefined;
    }
  })();
  return hint === undefined ? undefined : new CliError("CANNOT_LISTEN", hint, { cause: error });
}
