/** A live reader in SSE mode: records the seqs of each `data` event, follows `control` offsets. */
import { seqsIn } from "../../payload.js";
import { SocketSubscriber } from "./socket-subscriber.js";

const NEXT_OFFSET = /"streamNextOffset":"([^"]+)"/;
const DATA_EVENT = /^event: ?data/m;
const CONTROL_EVENT = /^event: ?control/m;
/** Seqs of the event being handled; sinks read them synchronously and keep none. */
const seqs: number[] = [];

export class SseSubscriber extends SocketSubscriber {
  protected request(): void {
    this.write(`${this.target.path}?offset=${encodeURIComponent(this.offset)}&live=sse`);
  }

  protected onHead(): void {
    if (this.status !== 200) this.sink.failed(`SSE answered ${this.status}`);
    // Events are parsed as they arrive: a compressed event stream would need a decoder per reader.
    else if (this.headers.has("content-encoding")) this.sink.failed("SSE answered with a content-encoding");
    else this.responses++;
  }

  protected onBody(text: string): void {
    this.text += text;
    let end = this.text.indexOf("\n\n");
    while (end >= 0) {
      this.onEvent(this.text.slice(0, end));
      this.text = this.text.slice(end + 2);
      end = this.text.indexOf("\n\n");
    }
  }

  protected onEnd(): void {
    // The server ended the session (its lifetime, or closure): resume from the last offset.
    if (this.active) this.request();
  }

  private onEvent(event: string): void {
    const at = performance.now();
    const kind = eventKind(event);
    if (kind === "data") {
      seqsIn(event, seqs);
      if (seqs.length > 0) this.sink.delivered(seqs, at);
    } else if (kind === "control") {
      const match = NEXT_OFFSET.exec(event);
      if (match) this.offset = match[1]!;
    }
  }
}

/** The event's type: read from its first line when that names it, else from any line. */
function eventKind(event: string): "data" | "control" | undefined {
  if (event.startsWith("event: data\n") || event.startsWith("event:data\n")) return "data";
  if (event.startsWith("event: control\n") || event.startsWith("event:control\n")) return "control";
  if (DATA_EVENT.test(event)) return "data";
  if (CONTROL_EVENT.test(event)) return "control";
  return undefined;
}
