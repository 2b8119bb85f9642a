import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { isNotFound, KubeApiError } from "../../../src/kube/errors.ts";
import { createTestNamespace, deleteTestNamespace, testKubeClient, testPod } from "../../helpers/cluster.ts";

const kube = testKubeClient();
let namespace = "";

beforeAll(async () => {
  namespace = await createTestNamespace(kube, "crud");
});

afterAll(async () => {
  await deleteTestNamespace(kube, namespace);
});

describe("Pods through the typed API", () => {
  it("creates, gets, lists and deletes a Pod", async () => {
    const created = await kube.core.createNamespacedPod({ namespace, body: testPod("crud-pod") });
    expect(created.metadata?.uid).toBeString();

    const fetched = await kube.core.readNamespacedPod({ name: "crud-pod", namespace });
    expect(fetched.spec?.containers[0]?.image).toBe("nginx:stable");

    const list = await kube.core.listNamespacedPod({ namespace, labelSelector: "app=stackd-test" });
    expect(list.items.map((pod) => pod.metadata?.name)).toContain("crud-pod");

    await kube.core.deleteNamespacedPod({ name: "crud-pod", namespace, gracePeriodSeconds: 0 });
    const gone = await kube.core
      .readNamespacedPod({ name: "crud-pod", namespace })
      .catch((error: unknown) => error);
    // A pod with grace 0 may linger until kwok finalises it; either way the call must not succeed for long.
    if (!(gone instanceof KubeApiError)) expect(gone).toHaveProperty("metadata.deletionTimestamp");
  });

  it("answers a get of a missing Pod with a NotFound KubeApiError", async () => {
    const failure = await kube.core
      .readNamespacedPod({ name: "nope", namespace })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(KubeApiError);
    expect(isNotFound(failure as KubeApiError)).toBe(true);
  });
});

describe("Services through the typed API", () => {
  it("creates, gets, lists and deletes a NodePort Service", async () => {
    const created = await kube.core.createNamespacedService({
      namespace,
      body: {
        metadata: { name: "crud-svc" },
        spec: { type: "NodePort", selector: { app: "stackd-test" }, ports: [{ port: 80, targetPort: 80 }] },
      },
    });
    const nodePort = created.spec?.ports?.[0]?.nodePort ?? 0;
    expect(nodePort).toBeGreaterThanOrEqual(30000);

    const fetched = await kube.core.readNamespacedService({ name: "crud-svc", namespace });
    expect(fetched.spec?.ports?.[0]?.nodePort).toBe(nodePort);

    const list = await kube.core.listNamespacedService({ namespace });
    expect(list.items.map((service) => service.metadata?.name)).toEqual(["crud-svc"]);

    await kube.core.deleteNamespacedService({ name: "crud-svc", namespace });
    const failure = await kube.core
      .readNamespacedService({ name: "crud-svc", namespace })
      .catch((error: unknown) => error);
    expect(isNotFound(failure as KubeApiError)).toBe(true);
  });
});
