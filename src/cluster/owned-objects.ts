import type { V1Pod, V1Service } from "@kubernetes/client-node";
import { stackLabels } from "./stack-resources.ts";

/** What the orphan sweep needs to know of one of stackd's Pods or Services (not the whole object). */
export interface OwnedObject {
  stackId: string;
  createdAt: number;
  deleting: boolean;
  nodePorts: number[];
}

/** One of stackd's Pods or Services. */
export type Labelled = V1Pod | V1Service;

export function ownedObject(object: Labelled): OwnedObject | undefined {
  const stackId = object.metadata?.labels?.[stackLabels.stackId];
  if (!stackId) return undefined;
  const ports =
    object.kind === "Service" || "ports" in (object.spec ?? {}) ? (object as V1Service).spec?.ports : [];
  return {
    stackId,
    createdAt: new Date(object.metadata?.creationTimestamp ?? 0).getTime(),
    deleting: Boolean(object.metadata?.deletionTimestamp),
    nodePorts: (ports ?? []).map((port) => port.nodePort ?? 0).filter(Boolean),
  };
}

/** Owned objects that the sweep deletes: not already deleting, older than the cutoff, of no known stack. */
export function orphansOf(
  objects: Map<string, OwnedObject>,
  cutoff: number,
  hasStack: (stackId: string) => boolean,
): Array<[string, OwnedObject]> {
  return [...objects].filter(
    ([, owned]) => !owned.deleting && owned.createdAt <= cutoff && !hasStack(owned.stackId),
  );
}

/** The owned objects among `objects`, by name. */
export function ownedMap(objects: Labelled[]): Map<string, OwnedObject> {
  const map = new Map<string, OwnedObject>();
  for (const object of objects) {
    const owned = ownedObject(object);
    if (owned) map.set(object.metadata?.name ?? "", owned);
  }
  return map;
}
