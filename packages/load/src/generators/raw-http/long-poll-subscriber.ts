/** A live reader in long-poll mode: one waiting GET at a time, re-issued after every answer. */
import { seqsIn } from "../../payload.js";
import { decodeLater } from "./body-decoder.js";
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
      if (this.status === 200) this.deliver(this.headers.get("content-encoding"), this.text, at);
      this.offset = this.headers.get("stream-next-offset") ?? this.offset;
      this.cursor = this.headers.get("stream-cursor") ?? this.cursor;
      if (this.active) this.request();
    } else {
      this.sink.failed(`long-poll answered ${this.status}`);
      if (this.active) setTimeout(() => this.request(), 100);
    }
  }

  /** Counts the answer's messages as arrived `at`; a compressed one once decoded (body-decoder.ts). */
  private deliver(encoding: string | undefined, text: string, at: number): void {
    if (encoding === undefined || encoding === "identity") this.deliverText(text, at);
    else
      decodeLater(
        encoding,
        text,
        (decoded) => this.deliverText(decoded, at),
        (reason) => this.sink.failed(reason),
      );
  }

  private deliverText(text: string, at: number): void {
    const seqs = seqsIn(text);
    if (seqs.length > 0) this.sink.delivered(seqs, at);
  }
}
