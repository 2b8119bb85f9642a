import type { RouteTarget } from "./edge-route.ts";

/** What the edge should route: hostname → stack pod, and a signal when that changes. */
export interface DesiredRoutes {
  /** The whole table now; read at each batch, so it must be cheap. */
  entries(): ReadonlyMap<string, RouteTarget>;
  /** Calls `listener` after each change; answers the function that unsubscribes it. */
  onChange(listener: () => void): () => void;
}

/** A DesiredRoutes kept in memory: whoever owns the stacks sets and deletes hostnames. */
export class RouteTable implements DesiredRoutes {
  readonly #routes = new Map<string, RouteTarget>();
  readonly #listeners = new Set<() => void>();

  entries(): ReadonlyMap<string, RouteTarget> {
    return this.#routes;
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  set(hostname: string, target: RouteTarget): void {
    const current = this.#routes.get(hostname);
    if (current?.address === target.address && current.port === target.port) return;
    this.#routes.set(hostname, { address: target.address, port: target.port });
    this.#changed();
  }

  delete(hostname: string): void {
    if (this.#routes.delete(hostname)) this.#changed();
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }
}
