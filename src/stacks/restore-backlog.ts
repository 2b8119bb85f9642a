import type { PodFacts } from "../../machines/stack.types.ts";
import type { StoredStack } from "./stack-record.ts";

/**
 * A restored stack whose actor does not exist yet: its record (already readable), and the latest pod
 * facts the watches reported for it, which its actor is told first. Pod facts are levels, so the
 * latest is all an actor needs.
 */
export interface Deferred {
  stored: StoredStack;
  pod?: { pod: PodFacts; nodePublicIp: string | null; at: number };
}

/**
 * Work a restore leaves for later, per turn of the event loop (requests are served between turns):
 * restored actors created, and records rebuilt from the cluster written to the store.
 */
export const actorsPerTurn = 250;
export const recordsPerTurn = 1_000;

/**
 * Runs `turn` again and again on a timer until it answers false, one loop at a time (`request` while
 * it runs does nothing more). Timers, not immediates: Bun runs immediates before it serves requests
 * that waited while a restore kept the process busy, and timers after.
 */
export class BackgroundTurns {
  #turn: () => boolean;
  #running = false;

  constructor(turn: () => boolean) {
    this.#turn = turn;
  }

  request(): void {
    if (this.#running) return;
    this.#running = true;
    const next = () => {
      if (this.#turn()) setTimeout(next, 0);
      else this.#running = false;
    };
    setTimeout(next, 0);
  }
}
