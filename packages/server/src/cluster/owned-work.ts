/**
 * The open and close hooks of singleton features (Feature.singleton): run when this node takes
 * the lease, and in reverse when it loses it. Stopping closes the features' work and state;
 * starting again replays their state from the state logs (each service's open clears its
 * memory first), so a node that lost the lease and got it back starts from what is durable,
 * not from what it had. Starts and stops run one at a time, in order.
 */
import type { Logger } from "../ops/logger.js";

type Hook = () => Promise<void> | void;

export class OwnedWork {
  private readonly opens: Hook[] = [];
  private readonly closes: Hook[] = [];
  private opened: Hook[] = [];
  private state: "stopped" | "starting" | "running" | "stopping" = "stopped";
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly logger: Logger,
    /** Called when starting failed: the node should let the lease go so another node tries. */
    private readonly onFailed: () => void,
  ) {}

  onOpen(hook: Hook): void {
    this.opens.push(hook);
  }

  onClose(hook: Hook): void {
    this.closes.push(hook);
  }

  /** True while this node runs the work and serves its requests itself. */
  get running(): boolean {
    return this.state === "running";
  }

  start(): Promise<void> {
    return this.enqueue(async () => {
      this.state = "starting";
      try {
        for (const hook of this.opens) await hook();
        this.opened = this.closes;
        this.state = "running";
      } catch (error) {
        this.logger.error({ err: String(error) }, "owned work did not start; giving the lease up");
        this.opened = this.closes;
        await this.closeAll();
        this.onFailed();
      }
    });
  }

  stop(): Promise<void> {
    return this.enqueue(async () => {
      if (this.state === "stopped") return;
      this.state = "stopping";
      await this.closeAll();
    });
  }

  private async closeAll(): Promise<void> {
    // Features stop in the reverse order they started, as at shutdown.
    for (const hook of [...this.opened].reverse()) {
      try {
        await hook();
      } catch (error) {
        this.logger.error({ err: String(error) }, "owned work did not stop cleanly");
      }
    }
    this.opened = [];
    this.state = "stopped";
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(step);
    return this.queue;
  }
}
