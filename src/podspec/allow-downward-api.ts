import { type Allowlist, type FieldReader, kept } from "./allowlist.ts";
import { expectString, fail, quote } from "./fields.ts";
import { anyString, oneOf, quantity } from "./readers.ts";

/** `metadata.labels['x']` and `metadata.annotations['x']`, which both env and volumes may name. */
const subscripted = /^metadata\.(?:labels|annotations)\['[^']*'\]$/;

/** What the pod may learn of itself from an env var (as the API server lists it). */
const envFieldPaths = [
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
  "spec.nodeName",
  "spec.serviceAccountName",
  "status.hostIP",
  "status.hostIPs",
  "status.podIP",
  "status.podIPs",
];

/** What the pod may learn of itself from a downwardAPI file. */
const volumeFieldPaths = [
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
  "metadata.labels",
  "metadata.annotations",
];

function fieldPathIn(paths: readonly string[]): FieldReader {
  return (value, path) => {
    const text = expectString(value, path);
    if (!paths.includes(text) && !subscripted.test(text)) {
      fail(`${path} must name a field of the pod itself (${paths.join(", ")}), got ${quote(text)}`);
    }
    return text;
  };
}

const apiVersion = kept("v1, the only version of the Pod's fields", oneOf(["v1"]));

export const envFieldRefFields: Allowlist = {
  fieldPath: kept("a field of the pod itself: its name, labels, IPs, node", fieldPathIn(envFieldPaths)),
  apiVersion,
};

export const volumeFieldRefFields: Allowlist = {
  fieldPath: kept("a field of the pod itself: its name, labels, annotations", fieldPathIn(volumeFieldPaths)),
  apiVersion,
};

const resources = ["cpu", "memory", "ephemeral-storage"].flatMap((name) => [
  `limits.${name}`,
  `requests.${name}`,
]);

export const resourceFieldRefFields: Allowlist = {
  containerName: kept("a container of the same pod", anyString),
  resource: kept("its cpu, memory or ephemeral-storage request or limit", oneOf(resources)),
  divisor: kept("the unit of the value", quantity),
};
