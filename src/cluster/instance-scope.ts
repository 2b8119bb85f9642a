import { defaultInstance } from "../config/config.ts";
import type { WatchHandlers } from "../kube/watch.ts";
import { managedBySelector, stackLabels } from "./stack-resources.ts";

interface Labelled {
  metadata?: { name?: string; labels?: Record<string, string> };
}

/**
 * Whether an object is the instance's: labelled as stackd's and with the instance's name. Objects from
 * before the instance label existed (none at all) are the default instance's, so that an upgrade adopts
 * them while an explicitly named instance never touches them.
 */
export function ownedByInstance(instance: string, object: Labelled): boolean {
  const labels = object.metadata?.labels ?? {};
  if (labels[stackLabels.managedBy] !== "stackd") return false;
  const owner = labels[stackLabels.stackdInstance];
  return owner === undefined ? instance === defaultInstance : owner === instance;
}

/**
 * The label selector of the instance's watches. A selector cannot say "this value or no label", so the
 * default instance selects every stackd object and `scopeToInstance` drops the other instances' ones.
 */
export function instanceSelector(instance: string): string {
  return instance === defaultInstance
    ? managedBySelector
    : `${managedBySelector},${stackLabels.stackdInstance}=${instance}`;
}

/**
 * Watch handlers that see only the instance's objects. One that stops being the instance's (relabelled)
 * arrives as DELETED, as a server-side selector would send it; other instances' objects never arrive.
 */
export function scopeToInstance<T extends Labelled>(
  instance: string,
  handlers: WatchHandlers<T>,
): WatchHandlers<T> {
  const seen = new Set<string>();
  const nameOf = (object: T) => object.metadata?.name ?? "";
  return {
    ...handlers,
    onSync(items) {
      const own = items.filter((item) => ownedByInstance(instance, item));
      seen.clear();
      for (const item of own) seen.add(nameOf(item));
      handlers.onSync(own);
    },
    onEvent(type, object) {
      if (ownedByInstance(instance, object)) {
        if (type === "DELETED") seen.delete(nameOf(object));
        else seen.add(nameOf(object));
        handlers.onEvent(type, object);
      } else if (seen.delete(nameOf(object))) {
        handlers.onEvent("DELETED", object);
      }
    },
  };
}
