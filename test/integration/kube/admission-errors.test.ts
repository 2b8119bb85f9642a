import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { V1Pod } from "@kubernetes/client-node";
import {
  isLimitRangeViolation,
  isNodePortAllocated,
  isNodePortOutOfRange,
  isQuotaExceeded,
  KubeApiError,
} from "../../../src/kube/errors.ts";
import { fixtureNamespace } from "../../../tools/cluster/fixture.ts";
import { createTestNamespace, deleteTestNamespace, testKubeClient, testPod } from "../../helpers/cluster.ts";

const kube = testKubeClient();
let scratchNamespace = "";

beforeAll(async () => {
  scratchNamespace = await createTestNamespace(kube, "admission");
});

afterAll(async () => {
  await deleteTestNamespace(kube, scratchNamespace);
});

async function failureOf(call: () => Promise<unknown>): Promise<KubeApiError> {
  const outcome = await call().then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof KubeApiError)) throw new Error(`expected a KubeApiError, got ${String(outcome)}`);
  return outcome;
}

describe("classified errors from the real API server", () => {
  it("classifies a Pod over the LimitRange as a LimitRange violation", async () => {
    const pod = testPod(`too-big-${crypto.randomUUID().slice(0, 6)}`, { cpu: "1", memory: "64Mi" });
    const error = await failureOf(() =>
      kube.core.createNamespacedPod({ namespace: fixtureNamespace, body: pod }),
    );
    expect(error.status).toBe(403);
    expect(isLimitRangeViolation(error)).toBe(true);
    expect(isQuotaExceeded(error)).toBe(false);
    expect(error.message.toLowerCase()).toContain("maximum cpu usage per container is 500m");
  });

  it("classifies a Pod over the ResourceQuota as quota exceeded", async () => {
    const container = {
      image: "nginx:stable",
      resources: { requests: { cpu: "500m", memory: "64Mi" }, limits: { cpu: "500m", memory: "64Mi" } },
    };
    const pod: V1Pod = {
      metadata: { name: `too-many-${crypto.randomUUID().slice(0, 6)}` },
      spec: { containers: Array.from({ length: 13 }, (_, index) => ({ name: `c${index}`, ...container })) },
    };
    const error = await failureOf(() =>
      kube.core.createNamespacedPod({ namespace: fixtureNamespace, body: pod }),
    );
    expect(error.status).toBe(403);
    expect(isQuotaExceeded(error)).toBe(true);
    expect(isLimitRangeViolation(error)).toBe(false);
    expect(error.message).toContain("exceeded quota: stack-quota");
  });

  it("classifies a Service asking for a taken nodePort as NodePort already allocated", async () => {
    const service = (name: string) => ({
      metadata: { name },
      spec: { type: "NodePort", selector: { app: name }, ports: [{ port: 80, nodePort: 30555 }] },
    });
    await kube.core.createNamespacedService({ namespace: scratchNamespace, body: service("first") });
    const error = await failureOf(() =>
      kube.core.createNamespacedService({ namespace: scratchNamespace, body: service("second") }),
    );
    expect(error.status).toBe(422);
    expect(isNodePortAllocated(error)).toBe(true);
  });

  it("classifies a nodePort outside the cluster's range", async () => {
    const error = await failureOf(() =>
      kube.core.createNamespacedService({
        namespace: scratchNamespace,
        body: {
          metadata: { name: "out-of-range" },
          spec: { type: "NodePort", ports: [{ port: 80, nodePort: 80 }] },
        },
      }),
    );
    expect(isNodePortOutOfRange(error)).toBe(true);
    expect(isNodePortAllocated(error)).toBe(false);
  });
});
