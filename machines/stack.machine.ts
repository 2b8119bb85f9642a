import { assign, fromPromise, setup } from "xstate";
import type {
  CreateFailure,
  ProvisionInput,
  ProvisionOutput,
  StackContext,
  StackEvent,
  StackInput,
  StackOutcome,
  StackStatus,
  TeardownInput,
} from "./stack.types.ts";

const missing = (name: string) => () => Promise.reject(new Error(`actor ${name} was not provided`));

const ignoreTeardownRequests = { "user.delete": {}, "ttl.expired": {} };

/**
 * One stack's life. While `live` it is creating (provisioning → scheduling → starting), running,
 * stopped, failed or node_deleted; a user delete or the TTL takes it to `deleting`, a failed create to
 * `rollingBack`. The machine does no I/O: `provisionResources` and `teardownResources` are supplied by
 * src/, and so are the `ttl` and `schedulingTimeout` delays, computed from absolute times so that a
 * stack restored after a restart re-arms them correctly.
 */
export const stackMachine = setup({
  types: {
    context: {} as StackContext,
    events: {} as StackEvent,
    input: {} as StackInput,
    output: {} as StackOutcome,
  },
  actors: {
    provisionResources: fromPromise<ProvisionOutput, ProvisionInput>(missing("provisionResources")),
    teardownResources: fromPromise<void, TeardownInput>(missing("teardownResources")),
    restoreService: fromPromise<ProvisionOutput, ProvisionInput>(missing("restoreService")),
  },
  delays: {
    ttl: () => 0,
    schedulingTimeout: () => 0,
    teardownRetry: () => 5_000,
  },
  guards: {
    resumes: ({ context }, status: StackStatus) => context.resumeStatus === status,
    resumesUnacknowledged: ({ context }) => context.resumeStatus === "creating" && !context.acknowledged,
    resumesScheduled: ({ context }) => context.resumeStatus === "creating" && context.nodeName !== null,
    podScheduled: ({ context }) => Boolean(context.pod?.exists && context.pod.nodeName),
    podFailed: ({ context }) => Boolean(context.pod?.failureReason),
    podSucceeded: ({ context }) => context.pod?.phase === "Succeeded",
    podReady: ({ context }) => Boolean(context.pod?.ready),
    podGone: ({ context }) => context.pod?.exists === false,
    isOurNode: ({ context, event }) => event.type === "node.deleted" && event.nodeName === context.nodeName,
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
    reasonFromPod: assign(({ context }) => ({ reason: context.pod?.failureReason ?? "pod failed" })),
    reasonPodGone: assign({ reason: "pod was deleted outside stackd" }),
    reasonCompleted: assign({ reason: "completed" }),
    reasonNodeDeleted: assign({ reason: "node_deleted" }),
    reasonDeleted: assign({ reason: "deleted" }),
    reasonTtl: assign({ reason: "ttl_expired" }),
    acknowledge: assign({ acknowledged: true }),
    failCreate: assign((_, failure: CreateFailure) => ({ createFailure: failure })),
  },
}).createMachine({
  id: "stack",
  context: ({ input }) => ({
    ...input.identity,
    nodePort: input.nodePort,
    nodeName: input.resume?.nodeName ?? null,
    nodePublicIp: input.resume?.nodePublicIp ?? null,
    updatedAt: input.resume?.updatedAt ?? input.identity.createdAt,
    reason: input.resume?.reason ?? null,
    pod: null,
    podNodePublicIp: input.resume?.nodePublicIp ?? null,
    createFailure: null,
    acknowledged: input.resume?.acknowledged ?? false,
    resumeStatus: input.resume?.status ?? null,
  }),
  initial: "live",
  on: { "stack.acknowledged": { actions: "acknowledge" } },
  states: {
    live: {
      initial: "routing",
      after: { ttl: { target: "deleting", actions: "reasonTtl" } },
      on: {
        "user.delete": { target: "deleting", actions: ["reasonDeleted", "touch"] },
        "ttl.expired": { target: "deleting", actions: ["reasonTtl", "touch"] },
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
            {
              guard: { type: "resumes", params: "creating" },
              target: "creating.scheduling",
              actions: "endResume",
            },
            { guard: { type: "resumes", params: "running" }, target: "running", actions: "endResume" },
            { guard: { type: "resumes", params: "stopped" }, target: "stopped", actions: "endResume" },
            { guard: { type: "resumes", params: "failed" }, target: "failed", actions: "endResume" },
            {
              guard: { type: "resumes", params: "node_deleted" },
              target: "node_deleted",
              actions: "endResume",
            },
            { target: "creating" },
          ],
        },
        creating: {
          initial: "provisioning",
          on: { "pod.changed": { actions: "recordPod" } },
          states: {
            provisioning: {
              invoke: {
                src: "provisionResources",
                input: ({ context }) => ({ identity: context, nodePort: context.nodePort }),
                onDone: {
                  target: "scheduling",
                  actions: assign(({ event }) => ({ nodePort: event.output.nodePort })),
                },
                onError: {
                  target: "#stack.rollingBack",
                  actions: assign(({ event }) => ({ createFailure: toCreateFailure(event.error) })),
                },
              },
            },
            scheduling: {
              always: [{ guard: "podScheduled", target: "starting", actions: ["assignNode", "touch"] }],
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
            starting: {
              always: [
                { guard: "podFailed", target: "#stack.live.failed", actions: "reasonFromPod" },
                { guard: "podSucceeded", target: "#stack.live.stopped", actions: "reasonCompleted" },
                { guard: "podReady", target: "#stack.live.running" },
                { guard: "podGone", target: "#stack.live.failed", actions: "reasonPodGone" },
              ],
              on: {
                "pod.changed": { actions: ["recordPod", "touch"] },
                "node.deleted": {
                  guard: "isOurNode",
                  target: "#stack.live.node_deleted",
                  actions: ["reasonNodeDeleted", "touch"],
                },
              },
            },
          },
        },
        running: {
          entry: "touch",
          initial: "serving",
          states: {
            serving: { on: { "service.gone": "restoringService" } },
            // Level-based repair: a Service deleted behind stackd's back is created again (same port if free).
            restoringService: {
              invoke: {
                src: "restoreService",
                input: ({ context }) => ({ identity: context, nodePort: context.nodePort }),
                onDone: {
                  target: "serving",
                  actions: assign(({ event }) => ({ nodePort: event.output.nodePort })),
                },
                onError: { target: "serving" },
              },
            },
          },
          always: [
            { guard: "podFailed", target: "failed", actions: "reasonFromPod" },
            { guard: "podSucceeded", target: "stopped", actions: "reasonCompleted" },
            { guard: "podGone", target: "failed", actions: "reasonPodGone" },
          ],
          on: {
            "pod.changed": { actions: ["recordPod", "touch"] },
            "node.deleted": {
              guard: "isOurNode",
              target: "node_deleted",
              actions: ["reasonNodeDeleted", "touch"],
            },
          },
        },
        stopped: {},
        failed: {
          on: {
            "node.deleted": {
              guard: "isOurNode",
              target: "node_deleted",
              actions: ["reasonNodeDeleted", "touch"],
            },
          },
        },
        node_deleted: {},
      },
    },
    deleting: {
      on: ignoreTeardownRequests,
      invoke: {
        src: "teardownResources",
        input: ({ context }) => ({ identity: context }),
        onDone: { target: "removed" },
        onError: { target: "teardownPaused" },
      },
    },
    teardownPaused: { on: ignoreTeardownRequests, after: { teardownRetry: "deleting" } },
    rollingBack: {
      on: ignoreTeardownRequests,
      invoke: {
        src: "teardownResources",
        input: ({ context }) => ({ identity: context }),
        onDone: { target: "aborted" },
        onError: { target: "rollbackPaused" },
      },
    },
    rollbackPaused: { on: ignoreTeardownRequests, after: { teardownRetry: "rollingBack" } },
    removed: { type: "final" },
    aborted: { type: "final" },
  },
  output: ({ context }): StackOutcome =>
    context.createFailure
      ? { outcome: "aborted", failure: context.createFailure }
      : { outcome: "removed", reason: context.reason ?? "deleted" },
});

/** Errors thrown by provisionResources carry a CreateFailure in `failure`; anything else is internal. */
function toCreateFailure(error: unknown): CreateFailure {
  const failure = (error as { failure?: CreateFailure } | undefined)?.failure;
  if (failure) return failure;
  return { code: "internal", message: error instanceof Error ? error.message : String(error) };
}

/** The API status of a snapshot value: tearing down reads as stopped, rolling back as failed. */
export function statusOf(value: unknown): StackStatus {
  if (typeof value === "object" && value !== null && "live" in value) {
    const live = (value as { live: unknown }).live;
    const name = typeof live === "string" ? live : Object.keys(live as object)[0];
    if (name === "running" || name === "stopped" || name === "failed" || name === "node_deleted") return name;
    return "creating";
  }
  if (value === "rollingBack" || value === "rollbackPaused" || value === "aborted") return "failed";
  return "stopped";
}
