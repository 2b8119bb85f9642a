import { SimulatedClock } from "xstate";

/** The longest delay Bun's (and Node's) setTimeout holds: 2^31-1 ms, about 24.8 days. */
const runtimeMaxDelayMs = 2 ** 31 - 1;

/**
 * A SimulatedClock whose timers behave as the runtime's do: a delay over 2^31-1 ms fires after 1 ms
 * (Bun warns "TimeoutOverflowWarning ... Timeout duration was set to 1"). Far expiries are tested on it,
 * so that a timer armed with a delay it cannot hold fails the test as it fails in production.
 */
export class RuntimeClock extends SimulatedClock {
  override setTimeout(fn: (...args: unknown[]) => void, timeout: number): number {
    return super.setTimeout(fn, timeout > runtimeMaxDelayMs ? 1 : timeout);
  }
}
