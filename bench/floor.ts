import type { V1Pod } from "@kubernetes/client-node";
import type { StackIdentity } from "../machines/stack.types.ts";
import { defaultInstance } from "../src/config/config.ts";
import type { KubeClient } from "../src/kube/client.ts";
import { ResourceWatch } from "../src/kube/watch.ts";
import { silentLogger } from "../src/log/logger.ts";
import { stackPod, stackService } from "../src/stacks/stack-resources.ts";
import { timed } from "./stats.ts";

/** Per create, in ms from its start: until both creates answered and the pod is bound, and until it is Ready. */
export interface FloorTimings {
  bound: number[];
  ready: number[];
}

const isReady = (pod: V1Pod) =>
  pod.status?.phase === "Running" &&
  (pod.status?.conditions ?? []).some(
    (condition) => condition.type === "Ready" && condition.status === "True",
  );

/**
 * The floor stackd is compared with: the same Pod and Service creates (issued together, as stackd
 * does), and the wait until the pod is bound to a node (what `POST /stacks` waits for) and until it is
 * Ready (what `running` means), made directly with the transport and a watch, with no stackd in between.
 */
export async function measureFloor(options: {
  kube: KubeClient;
  namespace: string;
  nodeRole: string;
  sanitisedPod: V1Pod;
  firstPort: number;
  count: number;
  concurrency: number;
  prefix: string;
}): Promise<FloorTimings> {
  const { kube, namespace } = options;
  const waiters = new Map<string, () => void>();
  const bound = new Set<string>();
  const readyAt = new Map<string, number>();
  const watch = new ResourceWatch<V1Pod>({
    transport: kube.transport,
    path: `/api/v1/namespaces/${namespace}/pods`,
    labelSelector: `bench-floor=${options.prefix}`,
    logger: silentLogger,
    handlers: {
      onSync() {},
      onEvent(_, pod) {
        const name = pod.metadata?.name ?? "";
        if (isReady(pod) && !readyAt.has(name)) readyAt.set(name, performance.now());
        if (!pod.spec?.nodeName || bound.has(name)) return;
        bound.add(name);
        waiters.get(name)?.();
      },
    },
  });
  await watch.start();
  const startedAt = new Map<string, number>();
  const idOf = (index: number) => `${options.prefix}-${index.toString(16).padStart(6, "0")}`;
  try {
    const boundTimes = await timed(options.count, options.concurrency, async (index) => {
      const id = idOf(index);
      startedAt.set(id, performance.now());
      const identity: StackIdentity = {
        stackId: id,
        namespace,
        podName: id,
        serviceName: `svc-${id}`,
        ports: [{ containerPort: 80, protocol: "TCP" }],
        targetPort: 80,
        labels: {},
        podSpecYaml: "",
        createdAt: 0,
        ttlExpiresAt: 0,
        requestedCpuMilli: 0,
        requestedMemoryBytes: 0,
      };
      const pod = stackPod(options.sanitisedPod, identity, {
        nodeRole: options.nodeRole,
        instance: defaultInstance,
      });
      pod.metadata = { ...pod.metadata, labels: { ...pod.metadata?.labels, "bench-floor": options.prefix } };
      const scheduled = new Promise<void>((resolve) => {
        if (bound.has(id)) resolve();
        else waiters.set(id, resolve);
      });
      // The same two creates stackd makes, also issued at the same time.
      await Promise.all([
        kube.transport.send("POST", `/api/v1/namespaces/${namespace}/pods`, { body: pod }),
        kube.transport.send("POST", `/api/v1/namespaces/${namespace}/services`, {
          body: stackService(identity, [options.firstPort + index], defaultInstance),
        }),
      ]);
      await scheduled;
      waiters.delete(id);
    });
    const deadline = performance.now() + 60_000;
    while (readyAt.size < options.count && performance.now() < deadline) await Bun.sleep(20);
    const ready = [...startedAt].map(([id, started]) => (readyAt.get(id) ?? Number.NaN) - started);
    return { bound: boundTimes, ready };
  } finally {
    await watch.stop();
  }
}
