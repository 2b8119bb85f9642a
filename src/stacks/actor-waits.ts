import type { Actor, SnapshotFrom } from "xstate";
import type { stackMachine } from "../../machines/stack.machine.ts";
import type { StackOutcome } from "../../machines/stack.types.ts";

type StackActor = Actor<typeof stackMachine>;
type StackSnapshot = SnapshotFrom<typeof stackMachine>;

/** True once the pod is scheduled (or the stack already ran and ended): what `POST /stacks` waits for. */
export const pastScheduling = (snapshot: StackSnapshot): boolean =>
  snapshot.matches({ live: { creating: "starting" } }) ||
  snapshot.matches({ live: "running" }) ||
  snapshot.matches({ live: "stopped" }) ||
  snapshot.matches({ live: "failed" }) ||
  snapshot.matches({ live: "node_deleted" });

/** Resolves when the stack is scheduled, or with its outcome if it ended first (rolled back). */
export function waitUntilScheduled(actor: StackActor): Promise<"scheduled" | StackOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (value: "scheduled" | StackOutcome) => {
      if (settled) return;
      settled = true;
      subscription.unsubscribe();
      resolve(value);
    };
    const check = (snapshot: StackSnapshot) => {
      if (snapshot.status === "done") settle(snapshot.output as StackOutcome);
      else if (pastScheduling(snapshot)) settle("scheduled");
    };
    const subscription = actor.subscribe({
      next: check,
      error: () =>
        settle({ outcome: "aborted", failure: { code: "internal", message: "stack actor crashed" } }),
    });
    check(actor.getSnapshot());
  });
}

/** Resolves when the actor has finished (its teardown done). */
export function waitUntilDone(actor: StackActor): Promise<void> {
  return new Promise((resolve) => {
    if (actor.getSnapshot().status !== "active") {
      resolve();
      return;
    }
    actor.subscribe({ complete: () => resolve(), error: () => resolve() });
  });
}
