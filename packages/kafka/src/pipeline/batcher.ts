/**
 * One named batcher: collects messages until it holds `size` of them or `timeoutMs` passed
 * since the first, then hands the batch over. While the pipeline drains, whatever it holds is
 * handed over at once instead of waiting for the timeout.
 */
import type { BatchInfo, ResolvedBatcher } from "./options.js";

export type HandOver<M> = (messages: M[], trigger: BatchInfo["trigger"]) => void;

export class Batcher<M> {
  #pending: M[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly settings: ResolvedBatcher,
    private readonly handOver: HandOver<M>,
  ) {}

  /** Messages waiting for their batch to be handed over. */
  get waiting(): number {
    return this.#pending.length;
  }

  add(message: M): void {
    this.#pending.push(message);
    if (this.#pending.length >= this.settings.size) this.#emit("size");
    else if (this.#pending.length === 1) this.#timer = setTimeout(() => this.#emit("timeout"), this.settings.timeoutMs);
  }

  /** Hands over what it holds now (draining). */
  flush(): void {
    if (this.#pending.length > 0) this.#emit("drain");
  }

  #emit(trigger: BatchInfo["trigger"]): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending;
    this.#pending = [];
    this.handOver(batch, trigger);
  }
}
