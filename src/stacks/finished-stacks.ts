/** How long an ended stack is remembered (so that late watch events about it are not adopted). */
const finishedMemoryMs = 10 * 60_000;

/**
 * The stacks whose actor ended lately: a late watch event about one of their Services must not bring
 * it back as a stack to adopt. Entries older than ten minutes are forgotten as new ones come.
 */
export class FinishedStacks {
  #now: () => number;
  /** Stack id → when its actor ended, oldest first. */
  #finished = new Map<string, number>();

  constructor(now: () => number) {
    this.#now = now;
  }

  remember(stackId: string): void {
    const at = this.#now();
    this.#finished.delete(stackId);
    this.#finished.set(stackId, at);
    for (const [id, finishedAt] of this.#finished) {
      if (at - finishedAt < finishedMemoryMs) break;
      this.#finished.delete(id);
    }
  }

  has(stackId: string): boolean {
    return this.#finished.has(stackId);
  }
}
