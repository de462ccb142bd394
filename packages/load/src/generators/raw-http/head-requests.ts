/**
 * HEAD requests one at a time on one raw keep-alive socket, for latency measurements of small
 * answers. A full HTTP client costs more per request than the servers being measured: on the
 * 2-vCPU machine of bench/results, a HEAD to a node:http server that answers at once took
 * 0.55 ms at the median and 3.5–4.2 ms at p99 through an undici pool, and 0.12 / 1.6 ms on a
 * raw socket. What is left is the server and the loopback.
 */
import { connect, isIP, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";
import { ResponseParser } from "./response-parser.js";
import type { SubscriberTarget } from "./socket-subscriber.js";

export interface HeadAnswer {
  readonly status: number;
  /** Lower-case names. */
  readonly headers: ReadonlyMap<string, string>;
}

type Target = Omit<SubscriberTarget, "path">;

export class HeadRequests {
  private waiting: { resolve(answer: HeadAnswer): void; reject(error: Error): void } | undefined;
  private answer: HeadAnswer | undefined;
  private failure: Error | undefined;
  /** The request after its path: version, Host and the target's headers. */
  private readonly suffix: string;

  private constructor(
    private readonly socket: Socket,
    target: Target,
  ) {
    this.suffix = ` HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\n${Object.entries(target.headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join("")}\r\n`;
    const parser = new ResponseParser(
      {
        head: (status, headers) => {
          this.answer = { status, headers };
        },
        body: () => {},
        end: () => this.settle(),
      },
      true,
    );
    socket.on("data", (data: Buffer) => {
      try {
        parser.feed(data);
      } catch (error) {
        this.fail(error instanceof Error ? error : new Error(String(error)));
      }
    });
    socket.on("error", (error) => this.fail(error));
    socket.on("close", () => this.fail(new Error("The server closed the connection")));
  }

  /** Connects; rejects when the connection cannot be made. */
  static open(target: Target): Promise<HeadRequests> {
    const { host, port } = target;
    // SNI takes host names only (RFC 6066).
    const sni = isIP(host) === 0 ? { servername: host } : {};
    const socket = target.tls ? connectTls({ host, port, ...sni }) : connect({ host, port });
    return new Promise((resolve, reject) => {
      socket.once("error", reject);
      socket.once(target.tls ? "secureConnect" : "connect", () => {
        socket.off("error", reject);
        socket.setNoDelay(true);
        resolve(new HeadRequests(socket, target));
      });
    });
  }

  /** `HEAD path`; one at a time. */
  head(path: string): Promise<HeadAnswer> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting) return Promise.reject(new Error("One HEAD at a time"));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(`HEAD ${path}${this.suffix}`);
    });
  }

  close(): void {
    this.failure ??= new Error("Closed");
    this.socket.destroy();
  }

  private settle(): void {
    const waiting = this.waiting;
    const answer = this.answer;
    this.waiting = undefined;
    this.answer = undefined;
    if (waiting && answer) waiting.resolve(answer);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(this.failure);
  }
}
