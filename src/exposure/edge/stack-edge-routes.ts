import type { StackActor, StackActors } from "../../stacks/stack-actors.ts";
import type { StackUpdate } from "../../stacks/stack-update.ts";
import { portHostnames } from "../stack-exposure.ts";
import { RouteTable } from "./desired-routes.ts";
import type { RouteTarget } from "./edge-route.ts";

type Actors = Pick<StackActors, "actorOf" | "onUpdate" | "onPodChanged" | "stackIds">;

/** A stack is routed while a player may reach it: committed (its Service made) and starting or running. */
function routable(actor: StackActor): boolean {
  const snapshot = actor.getSnapshot();
  return (
    snapshot.status === "active" &&
    (snapshot.matches({ live: "running" }) || snapshot.matches({ live: { creating: "starting" } }))
  );
}

/** Each hostname of an edge stack and the pod address and port it routes to, or none. */
function routesOf(actor: StackActor): Array<[string, RouteTarget]> {
  const { context } = actor.getSnapshot();
  const { exposure } = context;
  const address = context.pod?.address;
  if (exposure?.mode !== "edge" || !exposure.hostname || !address || !routable(actor)) return [];
  const hostnames = portHostnames(
    exposure.hostname,
    context.ports.map((port) => port.containerPort),
  );
  return context.ports.map((port, index) => [
    hostnames[index] as string,
    { address, port: port.containerPort },
  ]);
}

/**
 * What the edge should route, kept from the stack actors (level-based: a stack's entries are worked out
 * again from its actor whenever its record or its Pod changes, and for every stack on `refreshAll`).
 * When the edge holds every hostname of a new stack, its actor is told (`route.ready`): only then does
 * the stack read as running.
 */
export class StackEdgeRoutes {
  readonly table = new RouteTable();
  readonly #actors: Actors;
  readonly #hostnamesOf = new Map<string, string[]>();
  readonly #stackOf = new Map<string, string>();
  #unsubscribe: Array<() => void> = [];

  constructor(actors: Actors) {
    this.#actors = actors;
  }

  /** Follows the actors from now on, from a full pass. */
  start(): void {
    this.#unsubscribe = [
      this.#actors.onUpdate((update: StackUpdate) => this.refresh(update.stack.stack_id)),
      this.#actors.onPodChanged((stackId) => this.refresh(stackId)),
    ];
    this.refreshAll();
  }

  stop(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [];
  }

  refreshAll(): void {
    const known = new Set(this.#hostnamesOf.keys());
    for (const stackId of this.#actors.stackIds()) {
      known.delete(stackId);
      this.refresh(stackId);
    }
    for (const gone of known) this.refresh(gone);
  }

  /** Works one stack's entries out again from its actor (none once it is gone or no longer routable). */
  refresh(stackId: string): void {
    const actor = this.#actors.actorOf(stackId);
    const routes = actor ? routesOf(actor) : [];
    const wanted = new Set(routes.map(([hostname]) => hostname));
    for (const hostname of this.#hostnamesOf.get(stackId) ?? []) {
      if (wanted.has(hostname)) continue;
      this.table.delete(hostname);
      this.#stackOf.delete(hostname);
    }
    for (const [hostname, target] of routes) {
      this.table.set(hostname, target);
      this.#stackOf.set(hostname, stackId);
    }
    if (routes.length > 0) this.#hostnamesOf.set(stackId, [...wanted]);
    else this.#hostnamesOf.delete(stackId);
  }

  /**
   * The edge now holds these hostnames: each stack whose every hostname is routed (`isRouted`) to its
   * current target is told.
   */
  applied(hostnames: readonly string[], isRouted: (hostname: string, target: RouteTarget) => boolean): void {
    const stacks = new Set(hostnames.map((hostname) => this.#stackOf.get(hostname)));
    for (const stackId of stacks) {
      if (stackId === undefined) continue;
      const own = this.#hostnamesOf.get(stackId) ?? [];
      const entries = this.table.entries();
      const all = own.every((hostname) => {
        const target = entries.get(hostname);
        return target !== undefined && isRouted(hostname, target);
      });
      if (all) this.#actors.actorOf(stackId)?.send({ type: "route.ready" });
    }
  }
}
