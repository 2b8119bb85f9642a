import type { V1Service } from "@kubernetes/client-node";
import { instanceSelector } from "../../cluster/instance-scope.ts";
import { stackLabels } from "../../cluster/stack-resources.ts";
import type { KubeTransport } from "../../kube/transport.ts";
import type { Logger } from "../../log/logger.ts";
import type { StackActor, StackActors } from "../../stacks/stack-actors.ts";
import { stackRoutesOf } from "./gateway-exposure.ts";
import type { GatewayRef, GatewayRoute } from "./gateway-routes.ts";
import { createGatewayRoutes, listGatewayRoutes } from "./route-client.ts";
import { acceptedConditionsOf, routeAccepted } from "./route-status.ts";

export interface GatewayRouteRepairOptions {
  actors: Pick<StackActors, "actorOf" | "stackIds">;
  transport: KubeTransport;
  namespace: string;
  instance: string;
  gateway: GatewayRef;
  logger: Logger;
  intervalMs: number;
  /** The leadership fence: null when this process may write (see stack-writes.ts). */
  mayWrite: () => string | null;
}

/** A gateway stack that players should reach: committed (its Service made), and not ended or tearing down. */
function routedStack(actor: StackActor): boolean {
  const snapshot = actor.getSnapshot();
  return (
    snapshot.status === "active" &&
    snapshot.context.exposure?.mode === "gateway" &&
    (snapshot.matches({ live: "running" }) || snapshot.matches({ live: { creating: "starting" } }))
  );
}

/**
 * Level-based repair of STACK_EXPOSURE=gateway's routes, on the writer: at start (a restart rebuilds
 * the routes like the Service) and on every sweep tick, each live gateway stack whose routes are missing
 * (deleted behind stackd's back) gets them again, owned by its Service; a stack whose route the Gateway
 * refused (Accepted=False) has failed, with the Gateway's reason.
 */
export class GatewayRouteRepair {
  readonly #options: GatewayRouteRepairOptions;
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<number> | undefined;

  constructor(options: GatewayRouteRepairOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#timer) return;
    void this.repair();
    this.#timer = setInterval(() => void this.repair(), this.#options.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** One pass; answers how many stacks got their routes again. Passes never overlap. */
  repair(): Promise<number> {
    this.#running ??= this.#pass()
      .catch((error: unknown) => {
        this.#options.logger.warn("gateway route repair failed; the next pass retries", { error });
        return 0;
      })
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  /** A route the Gateway refused fails its stack (once: a failed stack ignores the news), saying why. */
  #judge(route: GatewayRoute): void {
    const { actors, gateway, logger } = this.#options;
    if (routeAccepted(route, gateway) !== "refused") return;
    const stackId = route.metadata.labels?.[stackLabels.stackId];
    const actor = stackId ? actors.actorOf(stackId) : undefined;
    if (!actor || !routedStack(actor)) return;
    const refusal = acceptedConditionsOf(route, gateway).find((condition) => condition.status === "False");
    const why = [refusal?.reason, refusal?.message].filter(Boolean).join(": ");
    const name = `${route.kind} ${route.metadata.name}`;
    logger.warn("the Gateway refused a stack's route; the stack has failed", { stackId, route: name, why });
    actor.send({
      type: "route.refused",
      reason: `route refused by the Gateway: ${name}: ${why}`,
      at: Date.now(),
    });
  }

  async #pass(): Promise<number> {
    const { actors, transport, namespace, instance, gateway, logger, mayWrite } = this.#options;
    if (mayWrite() !== null) return 0;
    // Only the stacks routed before the list is asked for: one that made its routes since is not missing them.
    const routedBefore = [...actors.stackIds()].filter((stackId) => {
      const actor = actors.actorOf(stackId);
      return actor !== undefined && routedStack(actor);
    });
    const existing = await listGatewayRoutes(transport, namespace, instanceSelector(instance));
    const names = new Set(existing.map((route) => `${route.kind}/${route.metadata.name}`));
    for (const route of existing) this.#judge(route);
    let repaired = 0;
    for (const stackId of routedBefore) {
      const actor = actors.actorOf(stackId);
      if (!actor || !routedStack(actor)) continue;
      const identity = actor.getSnapshot().context;
      const wanted = stackRoutesOf(identity, { uid: "" }, gateway, instance);
      if (wanted.every((route) => names.has(`${route.kind}/${route.metadata.name}`))) continue;
      const service = await transport
        .send<V1Service>("GET", `/api/v1/namespaces/${identity.namespace}/services/${identity.serviceName}`)
        .catch(() => undefined);
      // No Service: the stack's own repair makes it again first (the routes are owned by it).
      const uid = service?.metadata?.uid;
      if (!uid || mayWrite() !== null) continue;
      logger.warn("a stack's routes were deleted outside stackd; creating them again", { stackId });
      await createGatewayRoutes(transport, stackRoutesOf(identity, { uid }, gateway, instance));
      repaired += 1;
    }
    return repaired;
  }
}
