import { stackSetup } from "./stack.setup.ts";
import type { ProvisionInput, StackContext } from "./stack.types.ts";

/** What the provisioning effects are given: the stack's identity, its NodePorts and its manifest. */
export const provisionInput = ({ context }: { context: StackContext }): ProvisionInput => ({
  identity: context,
  nodePorts: context.nodePorts,
  manifest: context.manifest,
});

/** A create that failed, in any of its steps, rolls back whatever it made. */
const rollBack = "#stack.rollingBack";

/**
 * The steps of a create before its Pod starts: the Pod first; its Service (and with it the NodePort)
 * only once the Pod is scheduled. Any failure rolls the create back.
 */
export const createSteps = {
  provisioning: stackSetup.createStateConfig({
    invoke: {
      src: "provisionResources",
      input: provisionInput,
      onDone: [
        { guard: "provisionFailed", target: rollBack, actions: "failFromOutput" },
        { target: "scheduling" },
      ],
      onError: { target: rollBack, actions: "failFromError" },
    },
  }),
  scheduling: stackSetup.createStateConfig({
    always: [
      { guard: "podScheduled", target: "exposing", actions: ["assignNode", "touch"] },
      // As the reference does: the scheduler said no, so answer now rather than at the timeout.
      { guard: "podUnschedulable", target: rollBack, actions: "failUnschedulable" },
    ],
    after: { schedulingTimeout: { target: rollBack, actions: "failSchedulingTimeout" } },
  }),
  // The Service is the stack's commit point: it carries the durable record, so a stack whose Service
  // exists is one the client was (about to be) told of, and a Pod without one is an unfinished create
  // that the orphan sweep removes.
  exposing: stackSetup.createStateConfig({
    exit: "dropManifest",
    invoke: {
      src: "exposeService",
      input: provisionInput,
      onDone: [
        { guard: "provisionFailed", target: rollBack, actions: "failFromOutput" },
        { target: "starting", actions: "keepNodePorts" },
      ],
      onError: { target: rollBack, actions: "failFromError" },
    },
  }),
};
