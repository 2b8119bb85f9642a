import { type StackUpdate, StackUpdateListeners, type StackUpdateSource } from "../stacks/stack-update.ts";

/**
 * The one source of stack updates the read side and the live stream listen to: a follower's cluster
 * view until this replica leads, its actors from then on. Listeners never re-subscribe.
 */
export class UpdateRelay implements StackUpdateSource {
  #listeners = new StackUpdateListeners();
  #unsubscribe: (() => void) | undefined;

  constructor(source: StackUpdateSource) {
    this.follow(source);
  }

  /** Relays `source` from now on, and no longer the previous one. */
  follow(source: StackUpdateSource): void {
    this.#unsubscribe?.();
    this.#unsubscribe = source.onUpdate((update) => this.#listeners.emit(update));
  }

  onUpdate(listener: (update: StackUpdate) => void): () => void {
    return this.#listeners.onUpdate(listener);
  }
}
