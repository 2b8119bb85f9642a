import type { StackStatus } from "../../machines/stack.types.ts";
import type { StoredStack } from "./stack-record.ts";

/**
 * One change of one stack's record, for the read side and the live stream. `created` is a new stack,
 * `restored` one recreated at start, `changed` any later change of its record (status or not), and
 * `removed` the end of its actor.
 */
export type StackUpdate =
  | { kind: "created"; stack: StoredStack; at: number }
  | { kind: "restored"; stack: StoredStack; at: number }
  | {
      kind: "changed" | "removed";
      stack: StoredStack;
      previousStatus: StackStatus;
      reason: string | null;
      at: number;
      /** The expiry before this change, set only when the change moved it (an extension). */
      previousTtlExpiresAt?: string;
    };

/** `previousTtlExpiresAt` of a change from `previous` to `next`: present only when the expiry moved. */
export const ttlMove = (previous: StoredStack, next: StoredStack) =>
  previous.ttl_expires_at === next.ttl_expires_at ? {} : { previousTtlExpiresAt: previous.ttl_expires_at };

/** Anything that tells listeners of stack updates: the actors, or a follower's cluster view. */
export interface StackUpdateSource {
  onUpdate(listener: (update: StackUpdate) => void): () => void;
}

/**
 * The listeners of a source of stack updates: added and removed, each told of every update in turn.
 * By default a listener that throws stops the update there; with `onListenerError` it is reported and
 * the others are still told.
 */
export class StackUpdateListeners implements StackUpdateSource {
  #listeners = new Set<(update: StackUpdate) => void>();
  #onListenerError: (error: unknown, update: StackUpdate) => void;

  constructor(
    onListenerError: (error: unknown, update: StackUpdate) => void = (error) => {
      throw error;
    },
  ) {
    this.#onListenerError = onListenerError;
  }

  onUpdate(listener: (update: StackUpdate) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(update: StackUpdate): void {
    for (const listener of this.#listeners) {
      try {
        listener(update);
      } catch (error) {
        this.#onListenerError(error, update);
      }
    }
  }
}
