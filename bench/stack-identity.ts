import type { StackIdentity } from "../machines/stack.types.ts";
import type { SanitizedPodSpec } from "../src/podspec/sanitize-pod-spec.ts";

const benchTtlMs = 2 * 60 * 60 * 1000;

/**
 * A stack's identity named as stackd names it (the Pod after the stack, the Service `svc-<id>`), for
 * benchmarks that create the objects directly; `sanitised` fills the record's pod spec and requests.
 */
export function benchIdentity(
  stackId: string,
  namespace: string,
  sanitised?: Pick<SanitizedPodSpec, "yaml" | "requestedCpuMilli" | "requestedMemoryBytes">,
): StackIdentity {
  const createdAt = Date.now();
  return {
    stackId,
    namespace,
    podName: stackId,
    serviceName: `svc-${stackId}`,
    ports: [{ containerPort: 80, protocol: "TCP" }],
    targetPort: 80,
    labels: {},
    podSpecYaml: sanitised?.yaml ?? "",
    createdAt,
    ttlExpiresAt: createdAt + benchTtlMs,
    requestedCpuMilli: sanitised?.requestedCpuMilli ?? 0,
    requestedMemoryBytes: sanitised?.requestedMemoryBytes ?? 0,
  };
}
