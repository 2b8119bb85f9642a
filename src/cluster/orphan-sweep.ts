import { isNotFound, toKubeApiError } from "../kube/errors.ts";
import type { KubeTransport } from "../kube/transport.ts";
import type { Logger } from "../log/logger.ts";
import type { PortAllocator } from "../ports/port-allocator.ts";
import { type Labelled, type OwnedObject, orphansOf, ownedMap, ownedObject } from "./owned-objects.ts";

export interface OrphanSweepOptions {
  transport: KubeTransport;
  namespace: string;
  ports: Pick<PortAllocator, "freed">;
  logger: Logger;
  orphanGraceMs: number;
  intervalMs: number;
  now: () => number;
}

type Kind = "pod" | "service";

/**
 * The instance's Pods and Services as the sweep needs them (kept from the watches), and the periodic
 * sweep that deletes those no stack owns once they are older than the grace. The caller says which
 * stacks exist; a Service with a record is adopted before it could ever be judged here.
 */
export class OrphanSweep {
  #options: OrphanSweepOptions;
  #objects: Record<Kind, Map<string, OwnedObject>> = { pod: new Map(), service: new Map() };
  #timer: ReturnType<typeof setInterval> | undefined;
  #passes = 0;

  constructor(options: OrphanSweepOptions) {
    this.#options = options;
  }

  /** Every object of one kind, from a relist. */
  sync(kind: Kind, objects: Labelled[]): void {
    this.#objects[kind] = ownedMap(objects);
  }

  /** One watch event. */
  track(kind: Kind, deleted: boolean, object: Labelled): void {
    const name = object.metadata?.name ?? "";
    const owned = deleted ? undefined : ownedObject(object);
    if (owned) this.#objects[kind].set(name, owned);
    else this.#objects[kind].delete(name);
  }

  /** The stacks that have a Service. */
  stacksWithService(): Set<string> {
    return new Set([...this.#objects.service.values()].map((owned) => owned.stackId));
  }

  /** Sweeps every interval from now on (once started, later calls do nothing). */
  start(hasStack: (stackId: string) => boolean): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.sweep(hasStack).catch((error: unknown) =>
        this.#options.logger.warn("orphan sweep failed", { error }),
      );
    }, this.#options.intervalMs);
  }

  get started(): boolean {
    return this.#timer !== undefined;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  /** How many sweeps have finished (deleting or not, failed or not): tests wait for a count. */
  passes(): number {
    return this.#passes;
  }

  /** Deletes the Pods and Services of no stack that are older than the grace; answers how many. */
  async sweep(hasStack: (stackId: string) => boolean): Promise<number> {
    try {
      return (await this.#sweep("pod", hasStack)) + (await this.#sweep("service", hasStack));
    } finally {
      this.#passes += 1;
    }
  }

  async #sweep(kind: Kind, hasStack: (stackId: string) => boolean): Promise<number> {
    const { transport, namespace, orphanGraceMs, logger, ports, now } = this.#options;
    const orphans = orphansOf(this.#objects[kind], now() - orphanGraceMs, hasStack);
    for (const [name, owned] of orphans) {
      logger.info(`deleting orphan ${kind}`, { name, stackId: owned.stackId });
      await transport
        .send("DELETE", `/api/v1/namespaces/${namespace}/${kind}s/${name}`)
        .catch((error: unknown) => {
          if (!isNotFound(toKubeApiError(error))) throw error;
        });
      owned.deleting = true;
      for (const port of owned.nodePorts) ports.freed(port);
    }
    return orphans.length;
  }
}
