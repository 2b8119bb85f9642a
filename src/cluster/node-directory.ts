import type { V1Node } from "@kubernetes/client-node";

/** What placing a stack on a node depends on: its `role` label, and whether it takes new pods. */
interface NodePlacement {
  role: string | undefined;
  schedulable: boolean;
}

/** The cluster's nodes as the Node watch last saw them: name → ExternalIP (or null), and their placement facts. */
export class NodeDirectory {
  #externalIps = new Map<string, string | null>();
  #placement = new Map<string, NodePlacement>();

  /** Replaces the whole set (after a list); returns the names that disappeared. */
  sync(nodes: V1Node[]): string[] {
    const before = new Set(this.#externalIps.keys());
    this.#externalIps.clear();
    this.#placement.clear();
    for (const node of nodes) this.upsert(node);
    return [...before].filter((name) => !this.#externalIps.has(name));
  }

  upsert(node: V1Node): void {
    const name = node.metadata?.name;
    if (!name) return;
    const external =
      node.status?.addresses?.find((address) => address.type === "ExternalIP")?.address ?? null;
    this.#externalIps.set(name, external);
    const ready = node.status?.conditions?.some(
      (condition) => condition.type === "Ready" && condition.status === "True",
    );
    // The node controller's own taints (not-ready, unreachable, ...) keep pods off until they go.
    const conditionTainted = (node.spec?.taints ?? []).some(
      (taint) => taint.key.startsWith("node.kubernetes.io/") && taint.effect !== "PreferNoSchedule",
    );
    this.#placement.set(name, {
      role: node.metadata?.labels?.role,
      schedulable: Boolean(ready) && !node.spec?.unschedulable && !conditionTainted,
    });
  }

  remove(name: string): void {
    this.#externalIps.delete(name);
    this.#placement.delete(name);
  }

  /**
   * The nodes of `role` that are Ready, not cordoned and without the node controller's taints, by name:
   * where a hostport stack may be pinned.
   */
  placeable(role: string): string[] {
    return [...this.#placement]
      .filter(([, placement]) => placement.role === role && placement.schedulable)
      .map(([name]) => name)
      .sort();
  }

  has(name: string): boolean {
    return this.#externalIps.has(name);
  }

  externalIp(name: string | null | undefined): string | null {
    return name ? (this.#externalIps.get(name) ?? null) : null;
  }
}
