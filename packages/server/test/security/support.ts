/**
 * Helpers for the security tests: raw TCP exchanges (for what an HTTP client will not send),
 * metrics scraping, and a recording logger.
 */
import { connect, type Socket } from "node:net";
import type { Logger, RivuletServer } from "@rivulet/server";

export interface RawExchange {
  /** Everything the server sent before it closed the connection or `waitMs` passed. */
  readonly text: string;
  /** Whether the server closed the connection. */
  readonly closed: boolean;
  /** The status code of the first response, if one arrived. */
  readonly status: number | undefined;
}

/** Opens a TCP connection to the server. */
export function openSocket(server: RivuletServer): Promise<Socket> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Sends `bytes` and collects what comes back until the server closes or `waitMs` passes. */
export async function rawExchange(server: RivuletServer, bytes: string | Buffer, waitMs = 2_000): Promise<RawExchange> {
  const socket = await openSocket(server);
  socket.on("error", () => {});
  socket.write(bytes);
  return collect(socket, waitMs);
}

/** Reads from a connected socket until it closes or `waitMs` passes (then destroys it). */
export function collect(socket: Socket, waitMs: number): Promise<RawExchange> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let closed = false;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString("latin1");
      const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ text, closed, status: match ? Number(match[1]) : undefined });
    };
    const timer = setTimeout(finish, waitMs);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.once("close", () => {
      closed = true;
      finish();
    });
  });
}

/** The JSON error code in a raw response. */
export function rawErrorCode(exchange: RawExchange): string | undefined {
  const body = exchange.text.slice(exchange.text.indexOf("\r\n\r\n") + 4);
  try {
    return (JSON.parse(body) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

/** One metric sample's value from the Prometheus text, or 0 when absent. */
export async function metric(server: RivuletServer, sample: string, headers: Record<string, string> = {}) {
  const text = await (await fetch(`${server.url}/metrics`, { headers })).text();
  const line = text.split("\n").find((l) => l.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}

export function recordingLogger(): { lines: Array<Record<string, unknown>>; logger: Logger } {
  const lines: Array<Record<string, unknown>> = [];
  const push = (fields: object, msg?: string) => lines.push({ ...fields, msg });
  return { lines, logger: { debug: push, info: push, warn: push, error: push } };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
