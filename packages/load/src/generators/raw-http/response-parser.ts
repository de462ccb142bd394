/**
 * An incremental HTTP/1.1 response parser, just enough for thousands of subscriber sockets:
 * status line, headers, and a body framed by Content-Length, chunked encoding, or the end of
 * the connection. Responses follow one another on a kept-alive socket.
 */

export interface ResponseEvents {
  head(status: number, headers: ReadonlyMap<string, string>): void;
  body(chunk: Buffer): void;
  /** The response is complete; the next one may follow on the same socket. */
  end(): void;
}

type State = "head" | "length" | "chunkSize" | "chunkData" | "chunkEnd" | "trailer" | "untilClose";

const EMPTY = Buffer.alloc(0);

export class ResponseParser {
  private state: State = "head";
  private pending: Buffer = EMPTY;
  private remaining = 0;

  constructor(
    private readonly on: ResponseEvents,
    /** Answers to HEAD: a head only, whatever Content-Length says (RFC 9110 §9.3.2). */
    private readonly bodiless = false,
  ) {}

  feed(data: Buffer): void {
    const buffer = this.pending.length > 0 ? Buffer.concat([this.pending, data]) : data;
    this.pending = EMPTY;
    let at = 0;
    while (at < buffer.length) {
      const next = this.step(buffer, at);
      if (next < 0) {
        this.pending = buffer.subarray(at);
        return;
      }
      at = next;
    }
  }

  /** Consumes from `at`; returns the new position, or -1 when more bytes are needed. */
  private step(buffer: Buffer, at: number): number {
    switch (this.state) {
      case "head": {
        const end = buffer.indexOf("\r\n\r\n", at, "latin1");
        if (end < 0) return -1;
        this.startBody(buffer.toString("latin1", at, end));
        return end + 4;
      }
      case "length":
      case "chunkData": {
        const take = Math.min(this.remaining, buffer.length - at);
        this.on.body(buffer.subarray(at, at + take));
        this.remaining -= take;
        if (this.remaining === 0) {
          if (this.state === "length") this.finish();
          else this.state = "chunkEnd";
        }
        return at + take;
      }
      case "chunkSize": {
        const end = buffer.indexOf("\r\n", at, "latin1");
        if (end < 0) return -1;
        const size = Number.parseInt(buffer.toString("latin1", at, end).split(";")[0]!, 16);
        if (Number.isNaN(size)) throw new Error("bad chunk size");
        if (size === 0) this.state = "trailer";
        else {
          this.remaining = size;
          this.state = "chunkData";
        }
        return end + 2;
      }
      case "chunkEnd":
        if (buffer.length - at < 2) return -1;
        this.state = "chunkSize";
        return at + 2;
      case "trailer": {
        const end = buffer.indexOf("\r\n", at, "latin1");
        if (end < 0) return -1;
        if (end === at) this.finish();
        return end + 2;
      }
      case "untilClose":
        this.on.body(buffer.subarray(at));
        return buffer.length;
    }
  }

  private startBody(head: string): void {
    const lines = head.split("\r\n");
    const status = Number(lines[0]!.split(" ")[1]);
    const headers = new Map<string, string>();
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(":");
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    this.on.head(status, headers);
    const length = headers.get("content-length");
    if (this.bodiless || status === 204 || status === 304 || (status >= 100 && status < 200)) this.finish();
    else if (headers.get("transfer-encoding")?.toLowerCase().includes("chunked")) this.state = "chunkSize";
    else if (length !== undefined) {
      this.remaining = Number(length);
      if (this.remaining === 0) this.finish();
      else this.state = "length";
    } else this.state = "untilClose";
  }

  private finish(): void {
    this.state = "head";
    this.on.end();
  }
}
