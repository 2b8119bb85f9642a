import type { V1Pod, V1Service } from "@kubernetes/client-node";
import { stackPod, stackService } from "../src/cluster/stack-resources.ts";
import { defaultInstance } from "../src/config/config.ts";
import type { HaproxyRuntimeApi } from "../src/exposure/edge/haproxy-runtime-api.ts";
import { stackRoutesOf } from "../src/exposure/gateway/gateway-exposure.ts";
import type { GatewayRef } from "../src/exposure/gateway/gateway-routes.ts";
import { gatewayRoutesPath } from "../src/exposure/gateway/route-client.ts";
import type { TypedKubeClient } from "../src/kube/typed-api.ts";
import { isBound, isReady } from "./floor.ts";
import { ObjectWaits } from "./object-waits.ts";
import { benchIdentity } from "./stack-identity.ts";

/** Where the floor puts a routed stack's route: a Gateway's TLSRoute, or an entry in an HAProxy's map. */
export type RoutedFloorTarget =
  | { mode: "gateway"; gateway: GatewayRef; domain: string }
  | { mode: "edge"; api: HaproxyRuntimeApi; map: string; domain: string };

/** Per create, in ms from its start: until what `POST /stacks` waits for, and until the route is in place. */
export interface RoutedFloorTimings {
  /** gateway: Pod, bound, ClusterIP Service, TLSRoute; edge: Pod, bound, ClusterIP Service. */
  created: number[];
  /** gateway: the same as `created`; edge: then the pod's address (Ready) and its `add map` answered. */
  routed: number[];
}

/**
 * The floor of a routed create, made directly with stackd's transport and in stackd's order: the Pod,
 * the wait for the scheduler's bind (what `POST /stacks` waits for), the ClusterIP Service (the commit
 * point), then the route: a TLSRoute owned by the Service (gateway, before the 201 as stackd does), or,
 * for the edge, once the pod has its address, one `add map` through the runtime API (what "running"
 * waits for in stackd). Sequential creates, `count` of them.
 */
export async function measureRoutedFloor(options: {
  kube: TypedKubeClient;
  namespace: string;
  nodeRole: string;
  sanitisedPod: V1Pod;
  containerPort: number;
  count: number;
  prefix: string;
  target: RoutedFloorTarget;
}): Promise<RoutedFloorTimings> {
  const { kube, namespace, target } = options;
  const podIps = new Map<string, string>();
  const pods = new ObjectWaits<V1Pod, "bound" | "addressed">({
    transport: kube.transport,
    path: `/api/v1/namespaces/${namespace}/pods`,
    labelSelector: `bench-floor=${options.prefix}`,
    conditions: {
      bound: (_, pod) => isBound(pod),
      addressed: (_, pod) => {
        const address = pod.status?.podIP;
        if (!isReady(pod) || !address) return false;
        podIps.set(pod.metadata?.name ?? "", address);
        return true;
      },
    },
  });
  await pods.start();
  const timings: RoutedFloorTimings = { created: [], routed: [] };
  try {
    for (let index = 0; index < options.count; index += 1) {
      const started = performance.now();
      const id = `${options.prefix}-${index.toString(16).padStart(6, "0")}`;
      const hostname = `${id}.${target.domain}`;
      const identity = {
        ...benchIdentity(id, namespace),
        ports: [{ containerPort: options.containerPort, protocol: "TCP" as const }],
        targetPort: options.containerPort,
        exposure: { mode: target.mode, hostname, public_port: 443 },
      };
      const pod = stackPod(options.sanitisedPod, identity, {
        nodeRole: options.nodeRole,
        instance: defaultInstance,
      });
      pod.metadata = { ...pod.metadata, labels: { ...pod.metadata?.labels, "bench-floor": options.prefix } };
      await kube.transport.send("POST", `/api/v1/namespaces/${namespace}/pods`, { body: pod });
      await pods.until("bound", id);
      const service = await kube.transport.send<V1Service>(
        "POST",
        `/api/v1/namespaces/${namespace}/services`,
        { body: stackService(identity, [443], defaultInstance) },
      );
      if (target.mode === "gateway") {
        const uid = service.metadata?.uid ?? "";
        for (const route of stackRoutesOf(identity, { uid }, target.gateway, defaultInstance))
          await kube.transport.send("POST", gatewayRoutesPath(route.kind, namespace), { body: route });
      }
      timings.created.push(performance.now() - started);
      if (target.mode === "edge") {
        await pods.until("addressed", id);
        await target.api.send(`add map ${target.map} ${hostname} ${podIps.get(id)}/${options.containerPort}`);
      }
      timings.routed.push(performance.now() - started);
    }
    return timings;
  } finally {
    await pods.stop();
  }
}
