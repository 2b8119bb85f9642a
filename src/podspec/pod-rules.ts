import {
  childPath,
  fail,
  type JsonObject,
  objectsOf,
  optionalBoolean,
  optionalList,
  optionalObject,
  optionalString,
  quote,
} from "./fields.ts";

const hostNamespaces = ["hostNetwork", "hostPID", "hostIPC"] as const;
const forbiddenStrings = ["serviceAccountName", "serviceAccount", "nodeName", "runtimeClassName"] as const;

/** The user's metadata reduced to what stackd keeps: name, labels and annotations. */
export function readMetadata(document: JsonObject): JsonObject {
  const metadata = optionalObject(document, "metadata", "") ?? {};
  const kept: JsonObject = {};
  const name = optionalString(metadata, "name", "metadata");
  if (name !== undefined) kept.name = name;
  for (const key of ["labels", "annotations"] as const) {
    const map = optionalObject(metadata, key, "metadata");
    if (map === undefined) continue;
    for (const entry of Object.keys(map)) optionalString(map, entry, `metadata.${key}`);
    kept[key] = map;
  }
  return kept;
}

/** apiVersion must be v1 and kind Pod. */
export function checkKind(document: JsonObject): void {
  const apiVersion = document.apiVersion;
  if (apiVersion !== "v1") {
    fail(`apiVersion must be "v1", got ${apiVersion === undefined ? "nothing" : quote(apiVersion)}`);
  }
  const kind = document.kind;
  if (kind !== "Pod") fail(`kind must be "Pod", got ${kind === undefined ? "nothing" : quote(kind)}`);
}

function checkVolume(volume: JsonObject, path: string): void {
  const name = typeof volume.name === "string" ? ` (${quote(volume.name)})` : "";
  if (volume.hostPath !== undefined) fail(`${path}${name}: hostPath volumes are not allowed`);
  const projected = optionalObject(volume, "projected", path);
  if (projected === undefined) return;
  const sourcesPath = childPath(path, "projected");
  const sources = optionalList(projected, "sources", sourcesPath) ?? [];
  for (const source of objectsOf(sources, `${sourcesPath}.sources`)) {
    if (source.item.serviceAccountToken !== undefined) {
      fail(`${source.path}${name}: projected serviceAccountToken sources are not allowed`);
    }
  }
}

/** Pod-level fields that would escape the sandbox or bypass stackd's placement. */
export function checkPodLevel(spec: JsonObject): void {
  for (const field of hostNamespaces) {
    if (optionalBoolean(spec, field, "spec") === true) fail(`spec.${field} is not allowed`);
  }
  if (spec.securityContext !== undefined) fail("spec.securityContext must not be set; stackd sets it");
  for (const field of forbiddenStrings) {
    const value = optionalString(spec, field, "spec");
    if (value !== undefined && value !== "") fail(`spec.${field} must not be set`);
  }
  const ephemeral = optionalList(spec, "ephemeralContainers", "spec");
  if (ephemeral !== undefined && ephemeral.length > 0) fail("spec.ephemeralContainers are not allowed");
  for (const volume of objectsOf(optionalList(spec, "volumes", "spec") ?? [], "spec.volumes")) {
    checkVolume(volume.item, volume.path);
  }
}
