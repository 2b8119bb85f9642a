import { describe, expect, it } from "bun:test";
import type { V1Pod } from "@kubernetes/client-node";
import type { StackIdentity } from "../../../machines/stack.types.ts";
import { stackPod } from "../../../src/cluster/stack-resources.ts";

const identity = {
  stackId: "stack-00000000000000aa",
  namespace: "stacks",
  podName: "stack-00000000000000aa",
  serviceName: "svc-stack-00000000000000aa",
  ports: [{ containerPort: 80, protocol: "TCP" }],
  targetPort: 80,
  labels: {},
  podSpecYaml: "apiVersion: v1\nkind: Pod\n",
  createdAt: 0,
  ttlExpiresAt: 1,
  requestedCpuMilli: 100,
  requestedMemoryBytes: 1024,
} as StackIdentity;

const authored = (spec: Partial<NonNullable<V1Pod["spec"]>> = {}): V1Pod => ({
  spec: { containers: [{ name: "app", image: "nginx" }], ...spec },
});

describe("stackPod's RuntimeClass (STACK_RUNTIME_CLASS)", () => {
  it("runs the Pod under the operator's RuntimeClass", () => {
    const pod = stackPod(authored(), identity, {
      nodeRole: "stack",
      instance: "stackd",
      runtimeClassName: "gvisor",
    });
    expect(pod.spec?.runtimeClassName).toBe("gvisor");
  });

  it("replaces the empty runtimeClassName the allowlist lets an author write", () => {
    const pod = stackPod(authored({ runtimeClassName: "" }), identity, {
      nodeRole: "stack",
      instance: "stackd",
      runtimeClassName: "kata",
    });
    expect(pod.spec?.runtimeClassName).toBe("kata");
  });

  it("sets none when the variable is unset, so the node's default runtime runs it", () => {
    for (const runtimeClassName of [null, undefined]) {
      const placement = {
        nodeRole: "stack",
        instance: "stackd",
        ...(runtimeClassName === null ? { runtimeClassName } : {}),
      };
      expect(stackPod(authored(), identity, placement).spec?.runtimeClassName).toBeUndefined();
    }
  });
});
