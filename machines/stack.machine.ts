import { assign, cancel, fromPromise, raise, type SnapshotFrom, setup } from "xstate";
import {
  type CreateFailure,
  type PodOutput,
  type ProvisionInput,
  type ProvisionOutput,
  type StackContext,
  type StackEvent,
  type StackInput,
  type StackOutcome,
  type StackStatus,
  stackStatuses,
  type TeardownInput,
} from "./stack.types.ts";
import { teardownStates } from "./teardown-states.ts";
import { extendedExpiry, extensionRefusal } from "./ttl-extension.ts";

const missing = (name: string) => () => Promise.reject(new Error(`actor ${name} was not provided`));

/** A pod's node was deleted: written once, taken from every state where the stack sits on a node. */
const toNodeDeleted = {
  guard: "isOurNode",
  target: "#stack.live.node_deleted",
  actions: ["reasonNodeDeleted", "touch"],
} as const;

/** A TTL extension the limits allow: the new expiry, and the TTL timer armed again for it. */
const extendTtl = {
  guard: "extensionAllowed",
  actions: ["extendTtl", "touch", "cancelTtl", "armTtl"],
} as const;

const provisionInput = ({ context }: { context: StackContext }): ProvisionInput => ({
  identity: context,
  nodePorts: context.nodePorts,
  manifest: context.manifest,
});

/**
 * One stack's life. While `live` it is creating (provisioning → scheduling → starting), running,
 * stopped, failed or node_deleted; a user delete or the TTL takes it to `deleting`, a failed create to
 * `rollingBack`. A scheduled stack that is creating or running takes `ttl.extend` (within the limits the
 * event carries): its expiry moves and the TTL timer is armed again. The machine does no I/O: `provisionResources` (the Pod), `exposeService` (the
 * Service, once the Pod is scheduled), `teardownResources` and `restoreService` are supplied by src/, and so are the `ttl` and `schedulingTimeout` delays, computed
 * from absolute times so that a stack restored after a restart re-arms them correctly, and the `ttlReached` guard. The
 * `ttl` delay is at most what one timer holds (`timerStep`): a far expiry is waited in several steps.
 *
 * Every state carries the API status as a tag (`statusOf`), and the states past scheduling carry the
 * `scheduled` tag, which is what `POST /stacks` waits for.
 */
export const stackMachine = setup({
  types: {
    context: {} as StackContext,
    events: {} as StackEvent,
    input: {} as StackInput,
    output: {} as StackOutcome,
    tags: {} as StackStatus | "scheduled",
  },
  actors: {
    provisionResources: fromPromise<PodOutput, ProvisionInput>(missing("provisionResources")),
    exposeService: fromPromise<ProvisionOutput, ProvisionInput>(missing("exposeService")),
    teardownResources: fromPromise<void, TeardownInput>(missing("teardownResources")),
    restoreService: fromPromise<ProvisionOutput, ProvisionInput>(missing("restoreService")),
  },
  delays: {
    ttl: () => 0,
    schedulingTimeout: () => 0,
    teardownRetry: () => 5_000,
  },
  guards: {
    // Supplied with the clock, like the `ttl` delay: whether the expiry has come, or only a step towards it.
    ttlReached: () => true,
    resumes: ({ context }, status: StackStatus) => context.resumeStatus === status,
    // A stack no client was told about (stackd stopped before its 201) is rolled back, whatever its status.
    resumesUnacknowledged: ({ context }) => context.resumeStatus !== null && !context.acknowledged,
    resumesScheduled: ({ context }) => context.resumeStatus === "creating" && context.nodeName !== null,
    provisionFailed: ({ event }) =>
      "output" in event &&
      typeof event.output === "object" &&
      event.output !== null &&
      "failure" in event.output,
    podScheduled: ({ context }) => Boolean(context.pod?.exists && context.pod.nodeName),
    podUnschedulable: ({ context }) => Boolean(context.pod?.exists && context.pod.unschedulableReason),
    podFailed: ({ context }) => Boolean(context.pod?.failureReason),
    podSucceeded: ({ context }) => context.pod?.phase === "Succeeded",
    podReady: ({ context }) => Boolean(context.pod?.ready),
    podGone: ({ context }) => context.pod?.exists === false,
    isOurNode: ({ context, event }) => event.type === "node.deleted" && event.nodeName === context.nodeName,
    extensionAllowed: ({ context, event }) =>
      event.type === "ttl.extend" && extensionRefusal(context, event) === null,
  },
  actions: {
    recordPod: assign(({ event }) =>
      event.type === "pod.changed" ? { pod: event.pod, podNodePublicIp: event.nodePublicIp } : {},
    ),
    assignNode: assign(({ context }) => ({
      nodeName: context.pod?.nodeName ?? context.nodeName,
      nodePublicIp: context.podNodePublicIp,
    })),
    touch: assign(({ event }) => ("at" in event ? { updatedAt: event.at } : {})),
    endResume: assign({ resumeStatus: null }),
    dropManifest: assign({ manifest: null }),
    reasonFromPod: assign(({ context }) => ({ reason: context.pod?.failureReason ?? "pod failed" })),
    reasonPodGone: assign({ reason: "pod was deleted outside stackd" }),
    reasonCompleted: assign({ reason: "completed" }),
    reasonNodeDeleted: assign({ reason: "node_deleted" }),
    reasonDeleted: assign({ reason: "deleted" }),
    reasonTtl: assign({ reason: "ttl_expired" }),
    acknowledge: assign({ acknowledged: true }),
    failCreate: assign((_, failure: CreateFailure) => ({ createFailure: failure })),
    abandonCreate: assign(({ event }) =>
      event.type === "create.abandon" ? { createFailure: event.failure } : {},
    ),
    extendTtl: assign(({ context, event }) =>
      event.type === "ttl.extend" ? { ttlExpiresAt: extendedExpiry(context, event) } : {},
    ),
    // The TTL timer: its delay is computed from context.ttlExpiresAt, so arming it again after an
    // extension (or in a restored actor, or after a step of a far expiry) counts from the absolute expiry.
    armTtl: raise({ type: "ttl.timer" }, { id: "ttl", delay: "ttl" }),
    cancelTtl: cancel("ttl"),
  },
}).createMachine({
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
  }),
  initial: "live",
  on: { "stack.acknowledged": { actions: "acknowledge" } },
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
          on: { "pod.changed": { actions: "recordPod" } },
          states: {
            // The Pod first; its Service (and with it the NodePort) only once the Pod is scheduled.
            provisioning: {
              invoke: {
                src: "provisionResources",
                input: provisionInput,
                onDone: [
                  {
                    guard: "provisionFailed",
                    target: "#stack.rollingBack",
                    actions: assign(({ event }) => ({
                      createFailure: "failure" in event.output ? event.output.failure : null,
                    })),
                  },
                  { target: "scheduling" },
                ],
                onError: {
                  target: "#stack.rollingBack",
                  actions: assign(({ event }) => ({ createFailure: internalFailure(event.error) })),
                },
              },
            },
            scheduling: {
              always: [
                { guard: "podScheduled", target: "exposing", actions: ["assignNode", "touch"] },
                // As the reference does: the scheduler said no, so answer now rather than at the timeout.
                {
                  guard: "podUnschedulable",
                  target: "#stack.rollingBack",
                  actions: assign(({ context }) => ({
                    createFailure: {
                      code: "not_schedulable",
                      message: `pod not schedulable: ${context.pod?.unschedulableReason ?? "unschedulable"}`,
                    },
                  })),
                },
              ],
              after: {
                schedulingTimeout: {
                  target: "#stack.rollingBack",
                  actions: assign(({ context }) => ({
                    createFailure: {
                      code: "not_schedulable",
                      message: context.pod?.unschedulableReason
                        ? `pod not schedulable: ${context.pod.unschedulableReason}`
                        : "pod was not scheduled in time",
                    },
                  })),
                },
              },
            },
            // The Service is the stack's commit point: it carries the durable record, so a stack whose
            // Service exists is one the client was (about to be) told of, and a Pod without one is an
            // unfinished create that the orphan sweep removes.
            exposing: {
              exit: "dropManifest",
              invoke: {
                src: "exposeService",
                input: provisionInput,
                onDone: [
                  {
                    guard: "provisionFailed",
                    target: "#stack.rollingBack",
                    actions: assign(({ event }) => ({
                      createFailure: "failure" in event.output ? event.output.failure : null,
                    })),
                  },
                  {
                    target: "starting",
                    actions: assign(({ context, event }) => ({
                      nodePorts: "nodePorts" in event.output ? event.output.nodePorts : context.nodePorts,
                    })),
                  },
                ],
                onError: {
                  target: "#stack.rollingBack",
                  actions: assign(({ event }) => ({ createFailure: internalFailure(event.error) })),
                },
              },
            },
            starting: {
              tags: "scheduled",
              always: [
                { guard: "podFailed", target: "#stack.live.failed", actions: ["reasonFromPod", "touch"] },
                {
                  guard: "podSucceeded",
                  target: "#stack.live.stopped",
                  actions: ["reasonCompleted", "touch"],
                },
                { guard: "podReady", target: "#stack.live.running" },
                { guard: "podGone", target: "#stack.live.failed", actions: ["reasonPodGone", "touch"] },
              ],
              on: {
                // The record changes (and is stamped) only when the pod's news moves the stack.
                "pod.changed": { actions: "recordPod" },
                "node.deleted": toNodeDeleted,
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
                onDone: {
                  target: "serving",
                  actions: assign(({ context, event }) => ({
                    nodePorts: "nodePorts" in event.output ? event.output.nodePorts : context.nodePorts,
                  })),
                },
                onError: { target: "serving" },
              },
            },
          },
          always: [
            { guard: "podFailed", target: "failed", actions: ["reasonFromPod", "touch"] },
            { guard: "podSucceeded", target: "stopped", actions: ["reasonCompleted", "touch"] },
            { guard: "podGone", target: "failed", actions: ["reasonPodGone", "touch"] },
          ],
          on: {
            // A running pod's status updates change nothing in the record: no write, no live message.
            "pod.changed": { actions: "recordPod" },
            "node.deleted": toNodeDeleted,
            "ttl.extend": extendTtl,
          },
        },
        stopped: { tags: ["stopped", "scheduled"] },
        failed: { tags: ["failed", "scheduled"], on: { "node.deleted": toNodeDeleted } },
        node_deleted: { tags: ["node_deleted", "scheduled"] },
      },
    },
    // A user delete or the TTL: reads as stopped while Pod and Service are deleted (retried until done).
    ...teardownStates({ working: "deleting", paused: "teardownPaused", done: "removed", status: "stopped" }),
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

/** A provisioning actor that threw (a bug or an unexpected error) gives up the create as internal. */
function internalFailure(error: unknown): CreateFailure {
  return { code: "internal", message: error instanceof Error ? error.message : String(error) };
}

/** The API status of a snapshot, read from its tags: tearing down reads as stopped, rolling back as failed. */
export function statusOf(snapshot: SnapshotFrom<typeof stackMachine>): StackStatus {
  for (const status of stackStatuses) if (snapshot.hasTag(status)) return status;
  return "creating";
}
