import type { V1Node } from "@kubernetes/client-node";

/** The cluster's nodes as the Node watch last saw them: name → ExternalIP (or null). */
export class NodeDirectory {
  #externalIps = new Map<string, string | null>();

  /** Replaces the whole set (after a list); returns the names that disappeared. */
  sync(nodes: V1Node[]): string[] {
    const before = new Set(this.#externalIps.keys());
    this.#externalIps.clear();
    for (const node of nodes) this.upsert(node);
    return [...before].filter((name) => !this.#externalIps.has(name));
  }

  upsert(node: V1Node): void {
    const name = node.metadata?.name;
    if (!name) return;
    const external =
      node.status?.addresses?.find((address) => address.type === "ExternalIP")?.address ?? null;
    this.#externalIps.set(name, external);
  }

  remove(name: string): void {
    this.#externalIps.delete(name);
  }

  has(name: string): boolean {
    return this.#externalIps.has(name);
  }

  externalIp(name: string | null | undefined): string | null {
    return name ? (this.#externalIps.get(name) ?? null) : null;
  }
}
