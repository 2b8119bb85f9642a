import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { ResourceWatch, type WatchEventType } from "../../../src/kube/watch.ts";
import { silentLogger } from "../../../src/log/logger.ts";
import { fakeNode } from "../../../tools/cluster/fixture.ts";
import {
  createTestNamespace,
  deleteTestNamespace,
  eventually,
  testKubeClient,
  testPod,
} from "../../helpers/cluster.ts";

const kube = testKubeClient();
let namespace = "";

beforeAll(async () => {
  namespace = await createTestNamespace(kube, "chaos");
});

afterAll(async () => {
  await deleteTestNamespace(kube, namespace);
});

describe("node loss and failing workloads", () => {
  it("shows a deleted Node on a Node watch", async () => {
    const name = `doomed-${crypto.randomUUID().slice(0, 6)}`;
    const events: Array<{ type: WatchEventType; name: string }> = [];
    const watch = new ResourceWatch<V1Node>({
      transport: kube.transport,
      path: "/api/v1/nodes",
      labelSelector: "type=kwok",
      logger: silentLogger,
      handlers: {
        onSync() {},
        onEvent(type, node) {
          events.push({ type, name: node.metadata?.name ?? "" });
        },
      },
    });
    await watch.start();
    try {
      await kube.core.createNode({ body: fakeNode({ name, role: "stack", externalIp: "203.0.113.99" }) });
      await eventually("the node ADDED", async () =>
        events.some((e) => e.name === name && e.type === "ADDED") ? true : undefined,
      );
      await kube.core.deleteNode({ name });
      await eventually("the node DELETED", async () =>
        events.some((e) => e.name === name && e.type === "DELETED") ? true : undefined,
      );
    } finally {
      await watch.stop();
    }
  });

  it("fails a Pod labelled for kwok's pod-container-running-failed chaos stage, and only that Pod", async () => {
    const pod = testPod("chaos", { labels: { "pod-container-running-failed.stage.kwok.x-k8s.io": "true" } });
    await kube.core.createNamespacedPod({ namespace, body: pod });
    await kube.core.createNamespacedPod({ namespace, body: testPod("control") });
    const failed = await eventually("the pod to fail", async () => {
      const current: V1Pod = await kube.core.readNamespacedPod({ name: "chaos", namespace });
      return current.status?.phase === "Failed" ? current : undefined;
    });
    const terminated = failed.status?.containerStatuses?.[0]?.state?.terminated;
    expect(terminated?.exitCode).toBe(1);
    // The same Pod without the label runs: the failure is the stage's, not the fixture's.
    const control = await eventually("the unlabelled pod to run", async () => {
      const current: V1Pod = await kube.core.readNamespacedPod({ name: "control", namespace });
      return current.status?.phase === "Running" ? current : undefined;
    });
    expect(control.status?.containerStatuses?.[0]?.state?.running).toBeDefined();
  });
});
