import type { V1Pod } from "@kubernetes/client-node";
import { stackPod, stackService } from "../src/cluster/stack-resources.ts";
import { defaultInstance } from "../src/config/config.ts";
import type { TypedKubeClient } from "../src/kube/typed-api.ts";
import { ObjectWaits } from "./object-waits.ts";
import { benchIdentity } from "./stack-identity.ts";
import { timed } from "./stats.ts";

/** Per create, in ms from its start: until both creates answered and the pod is bound, and until it is Ready. */
export interface FloorTimings {
  bound: number[];
  ready: number[];
}

export const isReady = (pod: V1Pod) =>
  pod.status?.phase === "Running" &&
  (pod.status?.conditions ?? []).some(
    (condition) => condition.type === "Ready" && condition.status === "True",
  );

/** A pod is bound once the scheduler has set its node (what `POST /stacks` waits for). */
export const isBound = (pod: V1Pod) => Boolean(pod.spec?.nodeName);

/**
 * How the floor issues a stack's two creates: `pod-then-service` (the Service, the commit point, only
 * once the Pod is bound: stackd before issue 16), `together`, at once (the least the API server can take
 * for a stack), or `together-then-patch` (both at once, then one merge patch of the Service once the Pod
 * is bound: what a commit written after the bind would cost).
 */
export type FloorOrder = "pod-then-service" | "together" | "together-then-patch";

/**
 * The floor stackd is compared with: the same Pod and Service creates, and the wait until the pod is
 * bound to a node (what `POST /stacks` waits for) and until it is Ready (what `running` means), made
 * directly with the transport and a watch, with no stackd in between.
 */
export async function measureFloor(options: {
  kube: TypedKubeClient;
  namespace: string;
  nodeRole: string;
  sanitisedPod: V1Pod;
  firstPort: number;
  count: number;
  concurrency: number;
  prefix: string;
  order?: FloorOrder;
}): Promise<FloorTimings> {
  const { kube, namespace } = options;
  const pods = new ObjectWaits<V1Pod, "bound" | "ready">({
    transport: kube.transport,
    path: `/api/v1/namespaces/${namespace}/pods`,
    labelSelector: `bench-floor=${options.prefix}`,
    conditions: { bound: (_, pod) => isBound(pod), ready: (_, pod) => isReady(pod) },
  });
  await pods.start();
  const startedAt = new Map<string, number>();
  const idOf = (index: number) => `${options.prefix}-${index.toString(16).padStart(6, "0")}`;
  try {
    const boundTimes = await timed(options.count, options.concurrency, async (index) => {
      const id = idOf(index);
      startedAt.set(id, performance.now());
      const identity = benchIdentity(id, namespace);
      const pod = stackPod(options.sanitisedPod, identity, {
        nodeRole: options.nodeRole,
        instance: defaultInstance,
      });
      pod.metadata = { ...pod.metadata, labels: { ...pod.metadata?.labels, "bench-floor": options.prefix } };
      const createPod = () =>
        kube.transport.send("POST", `/api/v1/namespaces/${namespace}/pods`, { body: pod });
      const createService = () =>
        kube.transport.send("POST", `/api/v1/namespaces/${namespace}/services`, {
          body: stackService(identity, [options.firstPort + index], defaultInstance),
        });
      if (options.order === "pod-then-service") {
        await createPod();
        await pods.until("bound", id);
        await createService();
      } else if (options.order === "together-then-patch") {
        await Promise.all([createPod(), createService()]);
        await pods.until("bound", id);
        await kube.transport.send("PATCH", `/api/v1/namespaces/${namespace}/services/svc-${id}`, {
          body: { metadata: { annotations: { "bench.stackd.io/committed": "true" } } },
          contentType: "application/merge-patch+json",
        });
      } else {
        await Promise.all([createPod(), createService()]);
        await pods.until("bound", id);
      }
    });
    const deadline = performance.now() + 60_000;
    const allReady = () => [...startedAt.keys()].every((id) => pods.reachedAt("ready", id) !== undefined);
    while (!allReady() && performance.now() < deadline) await Bun.sleep(20);
    const ready = [...startedAt].map(
      ([id, started]) => (pods.reachedAt("ready", id) ?? Number.NaN) - started,
    );
    return { bound: boundTimes, ready };
  } finally {
    await pods.stop();
  }
}
