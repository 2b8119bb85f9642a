import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { V1ConfigMap, V1Pod } from "@kubernetes/client-node";
import { type InitialList, ResourceWatch, type WatchEventType } from "../../../src/kube/watch.ts";
import { silentLogger } from "../../../src/log/logger.ts";
import { restart } from "../../../tools/cluster/control-plane.ts";
import { clusterDir } from "../../../tools/cluster/paths.ts";
import {
  compactEtcd,
  createTestNamespace,
  deleteTestNamespace,
  eventually,
  testKubeClient,
  testPod,
} from "../../helpers/cluster.ts";

const kube = testKubeClient();
let namespace = "";

beforeAll(async () => {
  namespace = await createTestNamespace(kube, "watch");
});

afterAll(async () => {
  await deleteTestNamespace(kube, namespace);
});

interface Recorded {
  events: Array<{ type: WatchEventType; pod: V1Pod }>;
  latest: Map<string, V1Pod | undefined>;
  syncs: number;
}

function podWatch(
  options: {
    resourceVersion?: string;
    backoff?: { initialMs: number; maxMs: number };
    initialList?: InitialList<V1Pod>;
  } = {},
) {
  const recorded: Recorded = { events: [], latest: new Map(), syncs: 0 };
  const watch = new ResourceWatch<V1Pod>({
    transport: kube.transport,
    path: `/api/v1/namespaces/${namespace}/pods`,
    logger: silentLogger,
    ...options,
    handlers: {
      onSync(items) {
        recorded.syncs += 1;
        recorded.latest.clear();
        for (const pod of items) recorded.latest.set(pod.metadata?.name ?? "", pod);
      },
      onEvent(type, pod) {
        recorded.events.push({ type, pod });
        recorded.latest.set(pod.metadata?.name ?? "", type === "DELETED" ? undefined : pod);
      },
    },
  });
  return { watch, recorded };
}

const isReady = (pod: V1Pod | undefined) =>
  pod?.status?.conditions?.some((condition) => condition.type === "Ready" && condition.status === "True") ??
  false;

describe("ResourceWatch", () => {
  it("sees a Pod ADDED, MODIFIED to Running and Ready by kwok, and DELETED", async () => {
    const { watch, recorded } = podWatch();
    await watch.start();
    try {
      await kube.core.createNamespacedPod({ namespace, body: testPod("lifecycle") });
      await eventually("the pod to become Ready", async () =>
        isReady(recorded.latest.get("lifecycle")) ? true : undefined,
      );
      await kube.core.deleteNamespacedPod({ name: "lifecycle", namespace });
      await eventually("the DELETED event", async () =>
        recorded.events.some((event) => event.type === "DELETED") ? true : undefined,
      );
      const types = recorded.events.map((event) => event.type);
      expect(types[0]).toBe("ADDED");
      expect(types).toContain("MODIFIED");
      const running = recorded.events.find((event) => event.pod.status?.phase === "Running");
      expect(running?.type).toBe("MODIFIED");
      expect(watch.health().state).toBe("watching");
    } finally {
      await watch.stop();
    }
  });

  it("begins from a list already read: delivers it without listing, then every change made after it", async () => {
    await kube.core.createNamespacedPod({ namespace, body: testPod("seeded") });
    const read = await kube.transport.send<{ items: V1Pod[]; metadata: { resourceVersion: string } }>(
      "GET",
      `/api/v1/namespaces/${namespace}/pods`,
    );
    // A change between the list and the watch's start: it must arrive as an event.
    await kube.core.createNamespacedPod({ namespace, body: testPod("after-the-list") });
    let lists = 0;
    // Ordinary requests only (watch streams are not observed): a list of the pods would count here.
    kube.transport.observeRequests((method, path) => {
      if (method === "GET" && path.endsWith("/pods")) lists += 1;
    });
    const { watch, recorded } = podWatch({
      initialList: { items: read.items, resourceVersion: read.metadata.resourceVersion },
    });
    await watch.start();
    try {
      expect(recorded.syncs).toBe(1);
      await eventually("the pod made after the list", async () =>
        recorded.latest.has("after-the-list") ? true : undefined,
      );
      expect(recorded.latest.has("seeded")).toBe(true);
      expect(watch.health().lists).toBe(1);
      expect(lists).toBe(0);
    } finally {
      kube.transport.observeRequests(() => {});
      await watch.stop();
      await kube.core.deleteNamespacedPod({ name: "seeded", namespace }).catch(() => {});
      await kube.core.deleteNamespacedPod({ name: "after-the-list", namespace }).catch(() => {});
    }
  });

  it("relists after 410 Expired and delivers objects that exist now", async () => {
    // ConfigMaps bypass the API server's watch cache in the local cluster, so after an etcd compaction
    // an old resourceVersion really is expired (a watch cache may still replay it as ADDED events).
    await kube.core.createNamespacedConfigMap({ namespace, body: { metadata: { name: "before-expiry" } } });
    await compactEtcd();
    const synced: string[][] = [];
    const watch = new ResourceWatch<V1ConfigMap>({
      transport: kube.transport,
      path: `/api/v1/namespaces/${namespace}/configmaps`,
      logger: silentLogger,
      resourceVersion: "1",
      handlers: {
        onSync: (items) => synced.push(items.map((item) => item.metadata?.name ?? "")),
        onEvent() {},
      },
    });
    await watch.start();
    try {
      await eventually("a relist", async () => (watch.health().lists >= 1 ? true : undefined), 10_000).catch(
        (error) => {
          throw new Error(`${error.message}; watch health: ${JSON.stringify(watch.health())}`);
        },
      );
      expect(synced).toHaveLength(1);
      expect(synced[0]).toContain("before-expiry");
      expect(watch.health().state).toBe("watching");
    } finally {
      await watch.stop();
    }
  });

  it("survives an API server restart and ends with the final state of a pod changed meanwhile", async () => {
    await kube.core.createNamespacedPod({ namespace, body: testPod("survivor") });
    const { watch, recorded } = podWatch({ backoff: { initialMs: 3_000, maxMs: 3_000 } });
    await watch.start();
    try {
      await eventually("the pod", async () => recorded.latest.get("survivor"));
      const connectsBefore = watch.health().connects;
      await restart(clusterDir(), "kube-apiserver", () => {});
      await kube.core.patchNamespacedPod({
        name: "survivor",
        namespace,
        body: [{ op: "add", path: "/metadata/labels/final", value: "yes" }],
      });
      const final = await eventually(
        "the patched label",
        async () => {
          const pod = recorded.latest.get("survivor");
          return pod?.metadata?.labels?.final === "yes" ? pod : undefined;
        },
        60_000,
      );
      expect(final.metadata?.labels?.final).toBe("yes");
      expect(watch.health().connects).toBeGreaterThan(connectsBefore);
      expect(watch.health().state).toBe("watching");
    } finally {
      await watch.stop();
    }
  }, 120_000);

  it("reports failures in its health instead of stopping silently", async () => {
    const broken = new ResourceWatch<V1Pod>({
      transport: kube.transport,
      path: "/api/v1/namespaces/does-not-matter/nonexistent-resource",
      logger: silentLogger,
      backoff: { initialMs: 50, maxMs: 100 },
      handlers: { onSync() {}, onEvent() {} },
    });
    void broken.start();
    try {
      const health = await eventually("a recorded failure", async () =>
        broken.health().failures >= 2 ? broken.health() : undefined,
      );
      expect(health.state).toBe("backoff");
      expect(health.lastError?.status).toBe(404);
    } finally {
      await broken.stop();
    }
  });
});
