import { Type } from "@sinclair/typebox";
import { defaultLogTail, maxLogTail } from "../stacks/stack-diagnostics.ts";

const Resources = Type.Object({
  cpu: Type.String({ description: "a Kubernetes quantity, e.g. `64` or `500m`" }),
  memory: Type.String({ description: "a Kubernetes quantity, e.g. `256Gi`" }),
});

const PerProtocol = Type.Object({ TCP: Type.Integer(), UDP: Type.Integer() });

/** The schemas of what explains a stack (its Pod's Events and logs) and of the nodes view. */
export const consoleModel = {
  events: Type.Object({
    stack_id: Type.String(),
    events: Type.Array(
      Type.Object({
        type: Type.String({ description: "`Normal` or `Warning`" }),
        reason: Type.String({ examples: ["FailedScheduling", "BackOff"] }),
        message: Type.String(),
        count: Type.Integer({ description: "how many times it happened" }),
        last_time: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
      }),
      { description: "the Kubernetes Events of the stack's Pod, oldest first" },
    ),
  }),
  logsQuery: Type.Object(
    {
      container: Type.Optional(Type.String({ description: "a container of the pod; default: the first" })),
      tail: Type.Optional(
        Type.Integer({
          minimum: 1,
          maximum: maxLogTail,
          description: `how many of the last lines, 1 to ${maxLogTail} (default ${defaultLogTail})`,
        }),
      ),
    },
    { additionalProperties: true },
  ),
  logs: Type.Object({
    stack_id: Type.String(),
    container: Type.String({ description: "the container whose lines these are" }),
    containers: Type.Array(Type.String(), { description: "every container of the pod, in order" }),
    lines: Type.Array(Type.String(), { description: "its last lines, oldest first" }),
  }),
  nodes: Type.Object({
    exposure: Type.String({ description: "STACK_EXPOSURE" }),
    free_node_ports: Type.Union([Type.Integer(), Type.Null()], {
      description: "free NodePorts of the range, cluster-wide; null with STACK_EXPOSURE=hostport",
    }),
    nodes: Type.Array(
      Type.Object({
        name: Type.String(),
        external_ip: Type.Union([Type.String(), Type.Null()]),
        ready: Type.Boolean(),
        unschedulable: Type.Boolean({ description: "cordoned" }),
        capacity: Resources,
        allocatable: Resources,
        stacks: Type.Integer({ description: "stacks holding resources there (creating or running)" }),
        free_host_ports: Type.Union([PerProtocol, Type.Null()], {
          description: "STACK_EXPOSURE=hostport only: the node's free host ports of the range",
        }),
      }),
      { description: "the nodes of the stack role (STACK_NODE_ROLE), by name" },
    ),
  }),
} as const;
