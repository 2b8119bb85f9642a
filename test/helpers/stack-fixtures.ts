import type { StackIdentity, StackResume } from "../../machines/stack.types.ts";
import { annotationsOf, recordAnnotations } from "../../src/cluster/record-codec.ts";
import { AppError } from "../../src/errors/app-error.ts";
import type { StackEffects } from "../../src/stacks/stack-effects.ts";
import { newStackRecordOf, type StoredStack } from "../../src/stacks/stack-record.ts";

const hour = 3_600_000;
const fixtureCreatedAt = Date.parse("2025-01-01T00:00:00.000Z");

/**
 * The identity of a v1.1 stack `stackId` (one TCP port 80, Pod and Service named as stackd names them,
 * 100m and 128 MiB requested), with `overrides` for the times, the YAML or anything else.
 */
export const stackIdentityFixture = (
  stackId: string,
  overrides: Partial<StackIdentity> = {},
): StackIdentity => ({
  stackId,
  namespace: "stacks",
  podName: stackId,
  serviceName: `svc-${stackId}`,
  ports: [{ containerPort: 80, protocol: "TCP" }],
  targetPort: 80,
  labels: {},
  podSpecYaml: "kind: Pod\n",
  createdAt: 0,
  ttlExpiresAt: 2 * hour,
  requestedCpuMilli: 100,
  requestedMemoryBytes: 134_217_728,
  ...overrides,
});

/** A stack created at 0 that expires at 2 h: the identity the machine tests start from. */
export const testIdentity: StackIdentity = stackIdentityFixture("stack-0123456789abcdef");

/** The identity of a v1.1 stack `stackId` made at 20:00 that expires at 22:00 (cluster-record tests). */
export const clusterIdentity = (stackId: string): StackIdentity =>
  stackIdentityFixture(stackId, {
    podSpecYaml: "apiVersion: v1\nkind: Pod\n",
    createdAt: Date.parse("2026-11-28T20:00:00.000Z"),
    ttlExpiresAt: Date.parse("2026-11-28T22:00:00.000Z"),
  });

/** The `stackd.io/record` annotation a new stack's Service is created with. */
export const recordAnnotationOf = (identity: StackIdentity): string =>
  annotationsOf(newStackRecordOf(identity, []))[recordAnnotations.record] ?? "";

/** How a stack that was running on node n1 (and whose client had its 201) resumes. */
export const runningResume: StackResume = {
  status: "running",
  nodeName: "n1",
  nodePublicIp: null,
  reason: null,
  updatedAt: 0,
  acknowledged: true,
};

/** Stack effects that succeed at once and do nothing; `teardown` is told of each teardown. */
export function quietEffects(teardown: () => Promise<void> = async () => {}): StackEffects {
  return {
    provision: async () => ({ created: true }),
    expose: async (input) => ({ nodePorts: input.nodePorts }),
    restoreService: async (input) => ({ nodePorts: input.nodePorts }),
    teardown,
    recordTerminal: async () => {},
    recordExpiry: async () => ({ written: true }),
  };
}

/** The AppError a promise is rejected with; fails the test when it resolves or throws anything else. */
export async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

/** A stored v1.1 stack `stackId` (creating, NodePort 31001, made 2025-01-01, expiring an hour later). */
export function storedStackFixture(stackId: string, overrides: Partial<StoredStack> = {}): StoredStack {
  return {
    stack_id: stackId,
    pod_id: stackId,
    namespace: "stacks",
    node_id: "",
    node_public_ip: null,
    pod_spec: "kind: Pod\n",
    target_port: 80,
    node_port: 31001,
    service_name: `svc-${stackId}`,
    status: "creating",
    status_reason: null,
    ttl_expires_at: new Date(fixtureCreatedAt + 3_600_000).toISOString(),
    created_at: new Date(fixtureCreatedAt).toISOString(),
    updated_at: new Date(fixtureCreatedAt).toISOString(),
    requested_cpu_milli: 100,
    requested_memory_bytes: 134_217_728,
    ports: [{ container_port: 80, protocol: "TCP", node_port: 31001 }],
    labels: {},
    endpoints: [],
    acknowledged: false,
    ...overrides,
  };
}
