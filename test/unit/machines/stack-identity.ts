import type { StackIdentity } from "../../../machines/stack.types.ts";

const hour = 3_600_000;

/** A stack created at 0 that expires at 2 h: the identity the machine tests start from. */
export const testIdentity: StackIdentity = {
  stackId: "stack-0123456789abcdef",
  namespace: "stacks",
  podName: "stack-0123456789abcdef",
  serviceName: "svc-stack-0123456789abcdef",
  targetPort: 80,
  podSpecYaml: "kind: Pod\n",
  createdAt: 0,
  ttlExpiresAt: 2 * hour,
  requestedCpuMilli: 100,
  requestedMemoryBytes: 134_217_728,
};
