import { fromPromise } from "xstate";
import { stackMachine } from "../../machines/stack.machine.ts";
import type {
  ExpiryInput,
  ProvisionInput,
  TeardownInput,
  TerminalInput,
} from "../../machines/stack.types.ts";
import { timerStep } from "../../machines/timer-delay.ts";
import type { StackEffects } from "./stack-effects.ts";

export interface StackTiming {
  /** The clock the TTL delay is computed against (a SimulatedClock's `now` in tests). */
  now: () => number;
  schedulingTimeoutMs: number;
}

/** The stack machine with its effects and delays supplied: what every stack actor runs. */
export function provideStackEffects(effects: StackEffects, timing: StackTiming) {
  return stackMachine.provide({
    actors: {
      provisionResources: fromPromise(({ input }: { input: ProvisionInput }) => effects.provision(input)),
      exposeService: fromPromise(({ input }: { input: ProvisionInput }) => effects.expose(input)),
      teardownResources: fromPromise(({ input }: { input: TeardownInput }) => effects.teardown(input)),
      restoreService: fromPromise(({ input }: { input: ProvisionInput }) => effects.restoreService(input)),
      recordTerminal: fromPromise(({ input }: { input: TerminalInput }) => effects.recordTerminal(input)),
      recordExpiry: fromPromise(({ input }: { input: ExpiryInput }) => effects.recordExpiry(input)),
    },
    delays: {
      ttl: ({ context }) => timerStep(context.ttlExpiresAt - timing.now()),
      schedulingTimeout: () => timing.schedulingTimeoutMs,
    },
    guards: {
      ttlReached: ({ context }) => timing.now() >= context.ttlExpiresAt,
    },
  });
}

export type ProvidedStackMachine = ReturnType<typeof provideStackEffects>;
