/** A live reader in long-poll mode: one waiting GET at a time, re-issued after every answer. */
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { seqsIn } from "../../payload.js";
import { SocketSubscriber } from "./socket-subscriber.js";

export class LongPollSubscriber extends SocketSubscriber {
  private cursor: string | undefined;

  protected request(): void {
    const cursor = this.cursor === undefined ? "" : `&cursor=${encodeURIComponent(this.cursor)}`;
    this.write(`${this.target.path}?offset=${encodeURIComponent(this.offset)}&live=long-poll${cursor}`);
  }

  protected onHead(): void {}

  protected onBody(text: string): void {
    this.text += text;
  }

  protected onEnd(): void {
    const at = performance.now();
    if (this.status === 200 || this.status === 204) {
      this.responses++;
      if (this.status === 200) {
        const seqs = seqsIn(decoded(this.headers.get("content-encoding"), this.text));
        if (seqs.length > 0) this.sink.delivered(seqs, at);
      }
      this.offset = this.headers.get("stream-next-offset") ?? this.offset;
      this.cursor = this.headers.get("stream-cursor") ?? this.cursor;
      if (this.active) this.request();
    } else {
      this.sink.failed(`long-poll answered ${this.status}`);
      if (this.active) setTimeout(() => this.request(), 100);
    }
  }
}

/** The body as sent before the server's content coding (the reader asked for gzip or br). */
function decoded(encoding: string | undefined, latin1: string): string {
  if (encoding === undefined || encoding === "identity") return latin1;
  const bytes = Buffer.from(latin1, "latin1");
  if (encoding === "gzip") return gunzipSync(bytes).toString("latin1");
  if (encoding === "br") return brotliDecompressSync(bytes).toString("latin1");
  throw new Error(`unexpected content-encoding ${encoding}`);
}
