import type { StackUpdate, StackUpdateSource } from "../stacks/stack-actors.ts";

/**
 * The one source of stack updates the read side and the live stream listen to: a follower's cluster
 * view until this replica leads, its actors from then on. Listeners never re-subscribe.
 */
export class UpdateRelay implements StackUpdateSource {
  #listeners = new Set<(update: StackUpdate) => void>();
  #unsubscribe: (() => void) | undefined;

  constructor(source: StackUpdateSource) {
    this.follow(source);
  }

  /** Relays `source` from now on, and no longer the previous one. */
  follow(source: StackUpdateSource): void {
    this.#unsubscribe?.();
    this.#unsubscribe = source.onUpdate((update) => {
      for (const listener of this.#listeners) listener(update);
    });
  }

  onUpdate(listener: (update: StackUpdate) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
