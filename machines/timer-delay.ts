/** The longest delay a timer holds: setTimeout fires a longer one (over 2^31-1 ms, about 24.8 days) at once. */
export const maxTimerDelayMs = 2 ** 31 - 1;

/** The part of a wait of `ms` one timer can hold; a longer wait is the rest, waited by arming it again. */
export function timerStep(ms: number): number {
  return Math.min(Math.max(0, ms), maxTimerDelayMs);
}
