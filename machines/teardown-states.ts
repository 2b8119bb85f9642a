import type { StackContext, TeardownInput } from "./stack.types.ts";

/** While a stack is torn down, a second delete (or the TTL) changes nothing. */
const ignoreTeardownRequests = { "user.delete": {} };

/**
 * The two states of one way out (tear down, pause and retry on failure) and its final state; all three
 * carry the `ending` tag (the stack no longer counts as live, docs/limits.md) beside their status.
 */
export function teardownStates<
  const W extends string,
  const P extends string,
  const D extends string,
>(names: { working: W; paused: P; done: D; status: "stopped" | "failed" }) {
  const working = {
    tags: [names.status, "ending"],
    on: ignoreTeardownRequests,
    invoke: {
      src: "teardownResources",
      input: ({ context }: { context: StackContext }): TeardownInput => ({ identity: context }),
      onDone: { target: names.done },
      onError: { target: names.paused },
    },
  } as const;
  const paused = {
    tags: [names.status, "ending"],
    on: ignoreTeardownRequests,
    after: { teardownRetry: names.working },
  } as const;
  const done = { type: "final", tags: [names.status, "ending"] } as const;
  return { [names.working]: working, [names.paused]: paused, [names.done]: done } as {
    [K in W]: typeof working;
  } & { [K in P]: typeof paused } & { [K in D]: typeof done };
}
