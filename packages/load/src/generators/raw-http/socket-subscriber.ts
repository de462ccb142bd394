/**
 * A live reader on its own raw TCP socket: writes a GET, parses the response minimally, and
 * re-requests (or reconnects) until stopped. Thousands of these fit in one generator process
 * where a full HTTP client per reader would not.
 */
import { connect, isIP, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";
import { ResponseParser } from "./response-parser.js";

export interface SubscriberTarget {
  readonly host: string;
  readonly port: number;
  /** https: the socket speaks TLS. */
  readonly tls: boolean;
  /** Stream path, e.g. `/v1/stream/fan-out-1`. */
  readonly path: string;
  /** Sent with every request (credentials). */
  readonly headers: Readonly<Record<string, string>>;
}

export interface DeliverySink {
  /** Message seqs that just arrived, and when (performance.now()); the array is reused after the call. */
  delivered(seqs: readonly number[], at: number): void;
  /** Something went wrong (status, socket error); counted, never thrown. */
  failed(reason: string): void;
}

export abstract class SocketSubscriber {
  /** The offset to read from next. */
  protected offset: string;
  protected status = 0;
  protected headers: ReadonlyMap<string, string> = new Map();
  /** Latin-1 text of the current response body (messages are ASCII). */
  protected text = "";
  /** Responses that opened with a 200 (SSE) or completed (long-poll). */
  responses = 0;
  reconnects = 0;
  private socket: Socket | undefined;
  /** The target's headers, as request-header lines. */
  private readonly extraHeaders: string;
  private stopped = false;

  constructor(
    protected readonly target: SubscriberTarget,
    protected readonly sink: DeliverySink,
    offset: string,
  ) {
    this.offset = offset;
    this.extraHeaders = Object.entries(target.headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join("");
  }

  /** Opens the socket and sends the first request; resolves once connected. */
  start(): Promise<void> {
    return new Promise((resolve) => {
      const { host, port } = this.target;
      // SNI takes host names only (RFC 6066); an IP address is checked against the certificate as is.
      const sni = isIP(host) === 0 ? { servername: host } : {};
      const socket = this.target.tls ? connectTls({ host, port, ...sni }) : connect({ host, port });
      const parser = this.newParser();
      this.socket = socket;
      socket.once(this.target.tls ? "secureConnect" : "connect", () => {
        socket.setNoDelay(true);
        this.request();
        resolve();
      });
      socket.on("data", (data: Buffer) => {
        try {
          parser.feed(data);
        } catch (error) {
          this.sink.failed(String(error));
          socket.destroy();
        }
      });
      socket.on("error", (error) => this.sink.failed(error.message));
      socket.once("close", () => {
        resolve();
        if (!this.stopped) {
          this.reconnects++;
          setTimeout(() => void this.start(), 50);
        }
      });
    });
  }

  private newParser(): ResponseParser {
    return new ResponseParser({
      head: (status, headers) => {
        this.status = status;
        this.headers = headers;
        this.text = "";
        this.onHead();
      },
      body: (chunk) => this.onBody(chunk.toString("latin1")),
      end: () => this.onEnd(),
    });
  }

  stop(): void {
    this.stopped = true;
    this.socket?.destroy();
  }

  protected get active(): boolean {
    return !this.stopped;
  }

  protected write(requestLine: string): void {
    this.socket?.write(
      `GET ${requestLine} HTTP/1.1\r\nHost: ${this.target.host}:${this.target.port}\r\n${this.extraHeaders}\r\n`,
    );
  }

  protected abstract request(): void;
  protected abstract onHead(): void;
  protected abstract onBody(text: string): void;
  protected abstract onEnd(): void;
}
