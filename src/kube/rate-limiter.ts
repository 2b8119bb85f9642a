import { timerStep } from "../../machines/timer-delay.ts";

/** A token bucket like client-go's: `qps` tokens a second, at most `burst` saved up. */
export class RateLimiter {
  #qps: number;
  #burst: number;
  #tokens: number;
  #last: number;
  #queue: Array<() => void> = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(qps: number, burst: number) {
    this.#qps = qps;
    this.#burst = burst;
    this.#tokens = burst;
    this.#last = performance.now();
  }

  /** Resolves when the caller may send one request; callers are served in arrival order. */
  acquire(): Promise<void> {
    this.#refill();
    if (this.#queue.length === 0 && this.#tokens >= 1) {
      this.#tokens -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#queue.push(resolve);
      this.#schedule();
    });
  }

  #refill(): void {
    const now = performance.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#qps);
    this.#last = now;
  }

  #schedule(): void {
    if (this.#timer) return;
    // A very low qps waits longer than one timer holds: the timer refills and schedules again.
    const wait = timerStep(((1 - this.#tokens) / this.#qps) * 1000);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#refill();
      while (this.#queue.length > 0 && this.#tokens >= 1) {
        this.#tokens -= 1;
        this.#queue.shift()?.();
      }
      if (this.#queue.length > 0) this.#schedule();
    }, wait);
  }
}
