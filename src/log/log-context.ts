import { AsyncLocalStorage } from "node:async_hooks";
import type { LogFields } from "./logger.ts";

const context = new AsyncLocalStorage<LogFields>();

/**
 * Runs `work` with `fields` added to every log line it writes, by any logger, across its awaits and the
 * timers it arms (a request's id on the lines of the code that serves it).
 */
export function withLogFields<T>(fields: LogFields, work: () => T): T {
  return context.run({ ...context.getStore(), ...fields }, work);
}

/** The fields of the work running now (see `withLogFields`), or undefined outside any. */
export function contextLogFields(): LogFields | undefined {
  return context.getStore();
}
