import { assign, enqueueActions, fromPromise, setup } from "xstate";
import type {
  CreateFailure,
  ExpiryInput,
  ExpiryOutcome,
  PodOutput,
  ProvisionInput,
  ProvisionOutput,
  StackContext,
  StackEvent,
  StackInput,
  StackOutcome,
  StackStatus,
  TeardownInput,
  TerminalInput,
} from "./stack.types.ts";
import { podStatus, type ReachedEnd } from "./stack-status.ts";
import { extendedExpiry } from "./ttl-extension.ts";

const missing = (name: string) => () => Promise.reject(new Error(`actor ${name} was not provided`));

/** A provisioning actor that threw (a bug or an unexpected error) gives up the create as internal. */
function internalFailure(error: unknown): CreateFailure {
  return { code: "internal", message: error instanceof Error ? error.message : String(error) };
}

const schedulingFailure = (context: StackContext, timedOut: boolean): CreateFailure => {
  const reason = context.pod?.unschedulableReason;
  if (!timedOut)
    return { code: "not_schedulable", message: `pod not schedulable: ${reason ?? "unschedulable"}` };
  return {
    code: "not_schedulable",
    message: reason ? `pod not schedulable: ${reason}` : "pod was not scheduled in time",
  };
};

/**
 * The stack machine's types, its effects (placeholders that src/ supplies), and its named guards and
 * actions but for the TTL's, which stack.machine.ts adds.
 */
export const stackSetup = setup({
  types: {
    context: {} as StackContext,
    events: {} as StackEvent,
    input: {} as StackInput,
    output: {} as StackOutcome,
    tags: {} as StackStatus | "scheduled" | "ending",
  },
  actors: {
    provisionResources: fromPromise<PodOutput, ProvisionInput>(missing("provisionResources")),
    exposeService: fromPromise<ProvisionOutput, ProvisionInput>(missing("exposeService")),
    teardownResources: fromPromise<void, TeardownInput>(missing("teardownResources")),
    restoreService: fromPromise<ProvisionOutput, ProvisionInput>(missing("restoreService")),
    recordTerminal: fromPromise<void, TerminalInput>(missing("recordTerminal")),
    recordExpiry: fromPromise<ExpiryOutcome, ExpiryInput>(missing("recordExpiry")),
  },
  delays: {
    schedulingTimeout: () => 0,
    teardownRetry: () => 5_000,
  },
  guards: {
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
    // The Pod's news decided by the one status rule (stack-status.ts), as a follower decides it.
    podShows: ({ context }, status: StackStatus) => podStatus(context.pod ?? undefined).status === status,
    routeReady: ({ context }) => context.routeReady,
    isOurNode: ({ context, event }) => event.type === "node.deleted" && event.nodeName === context.nodeName,
    noExpiryWrite: ({ context }) => context.expiryWrite?.outcome !== null,
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
    reasonFromPod: assign(({ context }) => ({ reason: podStatus(context.pod ?? undefined).reason })),
    reasonNodeDeleted: assign({ reason: "node_deleted" }),
    reasonRouteRefused: assign(({ event }) =>
      event.type === "route.refused" ? { reason: event.reason } : {},
    ),
    reasonDeleted: assign({ reason: "deleted" }),
    reasonTtl: assign({ reason: "ttl_expired" }),
    acknowledge: assign({ acknowledged: true }),
    markRouted: assign({ routeReady: true }),
    failCreate: assign((_, failure: CreateFailure) => ({ createFailure: failure })),
    abandonCreate: assign(({ event }) =>
      event.type === "create.abandon" ? { createFailure: event.failure } : {},
    ),
    failFromOutput: assign(({ event }) => ({
      createFailure:
        "output" in event && typeof event.output === "object" && event.output && "failure" in event.output
          ? (event.output.failure as CreateFailure)
          : null,
    })),
    failFromError: assign(({ event }) => ({
      createFailure: internalFailure("error" in event ? event.error : "unknown error"),
    })),
    failUnschedulable: assign(({ context }) => ({ createFailure: schedulingFailure(context, false) })),
    failSchedulingTimeout: assign(({ context }) => ({ createFailure: schedulingFailure(context, true) })),
    // The end a told client's stack reached goes onto its Service (a create not acknowledged rolls back).
    recordEnd: enqueueActions(({ context, enqueue }, status: ReachedEnd["status"]) => {
      if (!context.acknowledged || context.reason === null) return;
      const end = { status, reason: context.reason };
      enqueue.spawnChild("recordTerminal", { input: { identity: context, end, at: context.updatedAt } });
    }),
    // A requested extension's expiry is written to the Service first; `expiryWritten` then applies it.
    requestExpiry: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== "ttl.request") return;
      const { type: _type, ...request } = event;
      enqueue.assign({ expiryWrite: { request, outcome: null } });
      enqueue.stopChild("expiry");
      const expiresAt = extendedExpiry(context, request);
      enqueue.spawnChild("recordExpiry", { id: "expiry", input: { identity: context, expiresAt } });
    }),
    expiryWritten: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== "xstate.done.actor.expiry" || !context.expiryWrite) return;
      const { request } = context.expiryWrite;
      enqueue.assign({ expiryWrite: { request, outcome: event.output } });
      if ("written" in event.output) enqueue.raise({ type: "ttl.extend", ...request });
    }),
    keepNodePorts: assign(({ context, event }) => ({
      nodePorts:
        "output" in event && typeof event.output === "object" && event.output && "nodePorts" in event.output
          ? (event.output.nodePorts as number[])
          : context.nodePorts,
    })),
  },
});
