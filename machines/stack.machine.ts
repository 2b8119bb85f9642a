import { and, assign, cancel, raise, type SnapshotFrom } from "xstate";
import { createSteps, provisionInput } from "./create-steps.ts";
import { stackSetup } from "./stack.setup.ts";
import { type StackOutcome, type StackStatus, stackStatuses } from "./stack.types.ts";
import { teardownStates } from "./teardown-states.ts";
import { extendedExpiry, extensionRefusal } from "./ttl-extension.ts";

/** A pod's node was deleted: written once, taken from every state where the stack sits on a node. */
const toNodeDeleted = {
  guard: "isOurNode",
  target: "#stack.live.node_deleted",
  actions: ["reasonNodeDeleted", "touch", { type: "recordEnd", params: "node_deleted" }],
} as const;

/** The Gateway refused a route: the stack cannot be reached, so it has failed (and says why). */
const toRouteRefused = {
  target: "#stack.live.failed",
  actions: ["reasonRouteRefused", "touch", { type: "recordEnd", params: "failed" }],
} as const;

/** The Pod's news says this status (by the one status rule). */
const podShows = (status: StackStatus) => ({ type: "podShows", params: status }) as const;

/** The end the Pod's news took the stack to: its reason, stamped, and recorded on the Service. */
const podEnd = (status: "failed" | "stopped") =>
  ["reasonFromPod", "touch", { type: "recordEnd", params: status }] as const;

/** A TTL extension the limits allow: the new expiry, and the TTL timer armed again for it. */
const extendTtl = {
  guard: "extensionAllowed",
  actions: ["extendTtl", "touch", "cancelTtl", "armTtl"],
} as const;

/** The TTL's delay, guard and actions, added to the rest of the machine's setup (stack.setup.ts). */
const ttlSetup = stackSetup.extend({
  delays: {
    ttl: () => 0,
  },
  guards: {
    // Supplied with the clock, like the `ttl` delay: whether the expiry has come, or only a step towards it.
    ttlReached: () => true,
    extensionAllowed: ({ context, event }) =>
      event.type === "ttl.extend" && extensionRefusal(context, event) === null,
  },
  actions: {
    extendTtl: assign(({ context, event }) =>
      event.type === "ttl.extend" ? { ttlExpiresAt: extendedExpiry(context, event) } : {},
    ),
    // The TTL timer: its delay is computed from context.ttlExpiresAt, so arming it again after an
    // extension (or in a restored actor, or after a step of a far expiry) counts from the absolute expiry.
    armTtl: raise({ type: "ttl.timer" }, { id: "ttl", delay: "ttl" }),
    cancelTtl: cancel("ttl"),
  },
});

/**
 * One stack's life. While `live` it is creating (provisioning → scheduling → starting), running,
 * stopped, failed or node_deleted; a user delete or the TTL takes it to `deleting`, a failed create to
 * `rollingBack`. A scheduled stack that is creating or running takes `ttl.extend` (within the limits the
 * event carries): its expiry moves and the TTL timer is armed again (`ttl.request` writes the new expiry
 * to the Service first). The machine does no I/O: `provisionResources` (the Pod), `exposeService` (the
 * Service, once the Pod is scheduled), `teardownResources`, `restoreService`, `recordTerminal` (an end
 * reached, onto the Service) and `recordExpiry` are supplied by src/, and so are the `ttl` and `schedulingTimeout` delays, computed
 * from absolute times so that a stack restored after a restart re-arms them correctly, and the `ttlReached` guard. The
 * `ttl` delay is at most what one timer holds (`timerStep`): a far expiry is waited in several steps.
 *
 * Every state carries the API status as a tag (`statusOf`), and the states past scheduling carry the
 * `scheduled` tag, which is what `POST /stacks` waits for.
 */
export const stackMachine = ttlSetup.createMachine({
  id: "stack",
  context: ({ input }) => ({
    ...input.identity,
    nodePorts: input.nodePorts,
    nodeName: input.resume?.nodeName ?? null,
    nodePublicIp: input.resume?.nodePublicIp ?? null,
    updatedAt: input.resume?.updatedAt ?? input.identity.createdAt,
    reason: input.resume?.reason ?? null,
    pod: null,
    podNodePublicIp: input.resume?.nodePublicIp ?? null,
    createFailure: null,
    acknowledged: input.resume?.acknowledged ?? false,
    resumeStatus: input.resume?.status ?? null,
    manifest: input.manifest ?? null,
    expiryWrite: null,
    // A restored edge stack is routed again by the edge's replay; only a new one waits for its entry.
    routeReady: input.identity.exposure?.mode !== "edge" || input.resume !== undefined,
  }),
  initial: "live",
  on: {
    "stack.acknowledged": { actions: "acknowledge" },
    // The checks of an extension are `ttl.extend`'s (asked by the caller before, applied after the write).
    "ttl.request": { guard: "noExpiryWrite", actions: "requestExpiry" },
    "xstate.done.actor.expiry": { actions: "expiryWritten" },
  },
  states: {
    live: {
      initial: "routing",
      entry: "armTtl",
      exit: "cancelTtl",
      on: {
        "ttl.timer": [
          { guard: "ttlReached", target: "deleting", actions: "reasonTtl" },
          // Only a step of a far expiry has passed: the timer is armed again for the rest.
          { actions: "armTtl" },
        ],
        "user.delete": { target: "deleting", actions: ["reasonDeleted", "touch"] },
        // Sent only before the 201 is answered, so the stack may already run: it still rolls back.
        "create.abandon": { target: "rollingBack", actions: "abandonCreate" },
      },
      states: {
        routing: {
          always: [
            {
              guard: "resumesUnacknowledged",
              target: "#stack.rollingBack",
              actions: [
                {
                  type: "failCreate",
                  params: { code: "internal", message: "stackd restarted during create" },
                },
              ],
            },
            { guard: "resumesScheduled", target: "creating.starting", actions: "endResume" },
            ...stackStatuses.map((status) => ({
              guard: { type: "resumes" as const, params: status },
              target: status === "creating" ? "creating.scheduling" : status,
              actions: "endResume" as const,
            })),
            { target: "creating" },
          ],
        },
        creating: {
          tags: "creating",
          initial: "provisioning",
          on: { "pod.changed": { actions: "recordPod" }, "route.ready": { actions: "markRouted" } },
          states: {
            ...createSteps,
            starting: {
              tags: "scheduled",
              always: [
                { guard: podShows("failed"), target: "#stack.live.failed", actions: podEnd("failed") },
                { guard: podShows("stopped"), target: "#stack.live.stopped", actions: podEnd("stopped") },
                { guard: and([podShows("running"), "routeReady"]), target: "#stack.live.running" },
              ],
              on: {
                // The record changes (and is stamped) only when the pod's news moves the stack.
                "pod.changed": { actions: "recordPod" },
                "node.deleted": toNodeDeleted,
                "route.refused": toRouteRefused,
                "ttl.extend": extendTtl,
              },
            },
          },
        },
        running: {
          tags: ["running", "scheduled"],
          entry: "touch",
          initial: "serving",
          states: {
            serving: { on: { "service.gone": "restoringService" } },
            // Level-based repair: a Service deleted behind stackd's back is created again (same port if free).
            restoringService: {
              invoke: {
                src: "restoreService",
                input: provisionInput,
                onDone: { target: "serving", actions: "keepNodePorts" },
                onError: { target: "serving" },
              },
            },
          },
          always: [
            { guard: podShows("failed"), target: "failed", actions: podEnd("failed") },
            { guard: podShows("stopped"), target: "stopped", actions: podEnd("stopped") },
          ],
          on: {
            // A running pod's status updates change nothing in the record: no write, no live message.
            "pod.changed": { actions: "recordPod" },
            "node.deleted": toNodeDeleted,
            "route.refused": toRouteRefused,
            "ttl.extend": extendTtl,
          },
        },
        stopped: { tags: ["stopped", "scheduled"] },
        failed: { tags: ["failed", "scheduled"], on: { "node.deleted": toNodeDeleted } },
        node_deleted: { tags: ["node_deleted", "scheduled"] },
      },
    },
    // A user delete or the TTL: reads as stopped while Pod and Service are deleted (retried until done).
    ...teardownStates({
      working: "deleting",
      paused: "teardownPaused",
      done: "removed",
      status: "stopped",
    }),
    // A create that failed: reads as failed while whatever it created is deleted.
    ...teardownStates({
      working: "rollingBack",
      paused: "rollbackPaused",
      done: "aborted",
      status: "failed",
    }),
  },
  output: ({ context }): StackOutcome =>
    context.createFailure
      ? { outcome: "aborted", failure: context.createFailure }
      : { outcome: "removed", reason: context.reason ?? "deleted" },
});

/** The API status of a snapshot, read from its tags: tearing down reads as stopped, rolling back as failed. */
export function statusOf(snapshot: SnapshotFrom<typeof stackMachine>): StackStatus {
  for (const status of stackStatuses) if (snapshot.hasTag(status)) return status;
  return "creating";
}
