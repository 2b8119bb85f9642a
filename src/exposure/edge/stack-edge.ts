import type { Logger } from "../../log/logger.ts";
import type { StackActors } from "../../stacks/stack-actors.ts";
import { EdgeProgrammer } from "./edge-programmer.ts";
import { StackEdgeRoutes } from "./stack-edge-routes.ts";

export interface StackEdgeOptions {
  actors: Pick<StackActors, "actorOf" | "onUpdate" | "onPodChanged" | "stackIds">;
  /** STACK_EDGE_RUNTIME_API: every HAProxy is given the whole table. */
  runtimeApi: string[];
  /** STACK_EDGE_MAP. */
  map: string;
  logger: Logger;
  /** How often every stack's entries are worked out again, whatever the events said. */
  refreshIntervalMs: number;
}

/**
 * STACK_EXPOSURE=edge while this process runs the stacks: the table of hostnames kept from the actors,
 * programmed into HAProxy in batches (replayed whole when HAProxy or stackd restarts), and each new
 * stack told once HAProxy routes it. Only the writer programs the edge.
 */
export class StackEdge {
  readonly #options: StackEdgeOptions;
  #routes: StackEdgeRoutes | undefined;
  #programmer: EdgeProgrammer | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: StackEdgeOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#programmer) return;
    const { actors, runtimeApi, map, logger, refreshIntervalMs } = this.#options;
    const routes = new StackEdgeRoutes(actors);
    const programmer = new EdgeProgrammer({
      routes: routes.table,
      apiAddresses: runtimeApi,
      mapName: map,
      log: logger.child({ component: "edge" }),
    });
    programmer.onApplied((hostnames) =>
      routes.applied(hostnames, (hostname, target) =>
        programmer.isRouted(hostname, target.address, target.port),
      ),
    );
    routes.start();
    programmer.start();
    this.#timer = setInterval(() => routes.refreshAll(), refreshIntervalMs);
    this.#routes = routes;
    this.#programmer = programmer;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#routes?.stop();
    const programmer = this.#programmer;
    this.#routes = undefined;
    this.#programmer = undefined;
    await programmer?.stop();
  }

  /** Whether HAProxy routes `hostname` to this target (for tests and the nodes view). */
  isRouted(hostname: string, address: string, port: number): boolean {
    return this.#programmer?.isRouted(hostname, address, port) ?? false;
  }
}
