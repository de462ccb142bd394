/** Opens many live readers on one stream, a batch of sockets at a time. */
import type { TargetHeaders } from "../http-pool.js";
import { LongPollSubscriber } from "./raw-http/long-poll-subscriber.js";
import type { DeliverySink, SocketSubscriber, SubscriberTarget } from "./raw-http/socket-subscriber.js";
import { SseSubscriber } from "./raw-http/sse-subscriber.js";

export type LiveMode = "sse" | "long-poll";

export class SubscriberGroup {
  private readonly members: SocketSubscriber[] = [];

  constructor(
    private readonly target: SubscriberTarget,
    private readonly mode: LiveMode,
    private readonly sink: DeliverySink,
  ) {}

  /** Connects `count` readers from `offset`, `batch` connections in flight at a time. */
  async open(count: number, offset: string, batch: number, deadlineAt: number): Promise<void> {
    for (let i = 0; i < count && performance.now() < deadlineAt; i += batch) {
      const starting: Promise<void>[] = [];
      for (let j = i; j < Math.min(count, i + batch); j++) {
        const member =
          this.mode === "sse"
            ? new SseSubscriber(this.target, this.sink, offset)
            : new LongPollSubscriber(this.target, this.sink, offset);
        this.members.push(member);
        starting.push(member.start());
      }
      await Promise.all(starting);
    }
  }

  get size(): number {
    return this.members.length;
  }

  /** SSE readers whose response has begun (long-poll readers only count after an answer). */
  get answered(): number {
    return this.members.filter((member) => member.responses > 0).length;
  }

  get reconnects(): number {
    return this.members.reduce((sum, member) => sum + member.reconnects, 0);
  }

  close(): void {
    for (const member of this.members) member.stop();
  }
}

export function targetOf(origin: string, path: string, headers: TargetHeaders = {}): SubscriberTarget {
  const url = new URL(origin);
  const tls = url.protocol === "https:";
  return { host: url.hostname, port: Number(url.port) || (tls ? 443 : 80), tls, path, headers };
}
