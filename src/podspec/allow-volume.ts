import { configMapRefFields, configMapSource, secretSource } from "./allow-config-maps.ts";
import { resourceFieldRefFields, volumeFieldRefFields } from "./allow-downward-api.ts";
import {
  type Allowlist,
  type AllowlistKind,
  capped,
  type FieldReader,
  kept,
  objectOf,
  readAllowed,
  refused,
} from "./allowlist.ts";
import {
  childPath,
  expectObject,
  expectString,
  fail,
  type JsonObject,
  objectsOf,
  optionalList,
  optionalObject,
  quote,
} from "./fields.ts";
import { checkDnsLabel } from "./names.ts";
import { formatMemory } from "./quantity.ts";
import {
  anyBoolean,
  anyString,
  checkExactlyOne,
  fileMode,
  listOf,
  listOfObjects,
  oneOf,
  parsedQuantity,
  quantity,
  relativePath,
} from "./readers.ts";

const keyToPathFields: Allowlist = {
  key: kept("a key of the ConfigMap", anyString),
  path: kept("relative, without '..'", relativePath),
  mode: kept("the file's mode", fileMode),
};

const configMapProjectionFields: Allowlist = {
  ...configMapRefFields,
  items: kept("which keys, at which paths", listOfObjects(keyToPathFields)),
};

const configMapVolumeFields: Allowlist = {
  ...configMapProjectionFields,
  defaultMode: kept("the files' mode", fileMode),
};

const downwardFileFields: Allowlist = {
  path: kept("relative, without '..'", relativePath),
  fieldRef: kept("a field of the pod itself", objectOf(volumeFieldRefFields)),
  resourceFieldRef: kept("a resource amount of the pod's own containers", objectOf(resourceFieldRefFields)),
  mode: kept("the file's mode", fileMode),
};

const downwardAPIProjectionFields: Allowlist = {
  items: kept("files about the pod itself", listOfObjects(downwardFileFields)),
};

const downwardAPIVolumeFields: Allowlist = {
  ...downwardAPIProjectionFields,
  defaultMode: kept("the files' mode", fileMode),
};

const nodeCredentials = "a certificate or token that speaks for the pod to other services";

const projectionSources = ["configMap", "downwardAPI"] as const;

const projectionFields: Allowlist = {
  configMap: configMapSource(objectOf(configMapProjectionFields)),
  downwardAPI: kept("files about the pod itself", objectOf(downwardAPIProjectionFields)),
  serviceAccountToken: refused("an API token: a stack has no identity in the cluster"),
  secret: secretSource,
  clusterTrustBundle: refused(nodeCredentials),
  podCertificate: refused(nodeCredentials),
};

const readProjection: FieldReader = (value, path, context) => {
  const source = readAllowed(expectObject(value, path), projectionFields, path, context);
  checkExactlyOne(source, projectionSources, path);
  return source;
};

const projectedFields: Allowlist = {
  sources: kept("ConfigMaps (when allowed) and downwardAPI files", listOf(readProjection)),
  defaultMode: kept("the files' mode", fileMode),
};

const emptyDirFields: Allowlist = {
  medium: kept('"" (node disk) or Memory (tmpfs, counted in the container\'s memory)', oneOf(["", "Memory"])),
  sizeLimit: capped(
    "at most PodPolicy.maxEmptyDirBytes (Memory: maxMemoryEmptyDirBytes); the disk cap when absent",
    quantity,
  ),
};

/** Caps a disk emptyDir at PodPolicy.maxEmptyDirBytes (its sizeLimit when it has none); Memory ones must set one. */
const readEmptyDir: FieldReader = (value, path, context) => {
  const { policy } = context;
  const emptyDir = readAllowed(expectObject(value, path), emptyDirFields, path, context);
  const memory = emptyDir.medium === "Memory";
  const limit = memory ? policy.maxMemoryEmptyDirBytes : policy.maxEmptyDirBytes;
  const sizeLimit = emptyDir.sizeLimit;
  if (sizeLimit === undefined) {
    if (memory) fail(`${path} with medium Memory must set a sizeLimit of at most ${formatMemory(limit)}`);
    return { ...emptyDir, sizeLimit: formatMemory(limit) };
  }
  const sizePath = childPath(path, "sizeLimit");
  if (parsedQuantity(sizeLimit, sizePath) > limit) {
    fail(`${sizePath} is ${quote(sizeLimit)}, more than the limit of ${formatMemory(limit)}`);
  }
  return emptyDir;
};

const volumeSources = ["emptyDir", "downwardAPI", "configMap", "projected"] as const;
const onTheNode = "mounted by the node from outside the pod";
const storagePlugin = `${onTheNode}: another tenant's or the node's storage`;

const volumeFields: Allowlist = {
  name: kept("a DNS label", (value, path) => checkDnsLabel(expectString(value, path), path)),
  emptyDir: capped(
    "sizeLimit at most PodPolicy.maxEmptyDirBytes (Memory: maxMemoryEmptyDirBytes, required)",
    readEmptyDir,
  ),
  downwardAPI: kept("files about the pod itself", objectOf(downwardAPIVolumeFields)),
  configMap: configMapSource(objectOf(configMapVolumeFields)),
  projected: kept("ConfigMaps (when allowed) and downwardAPI files only", objectOf(projectedFields)),
  hostPath: refused("the node's own filesystem"),
  secret: secretSource,
  persistentVolumeClaim: refused("any claim of the namespace, another tenant's included"),
  ephemeral: refused("provisions storage through a StorageClass: unbounded, outside stackd's accounting"),
  image: refused("mounts another image's contents, pulled with the node's credentials"),
  gitRepo: refused("the kubelet runs git on the node (deprecated, CVE-2024-10220)"),
  csi: refused(`inline CSI: ${storagePlugin}`),
  nfs: refused(storagePlugin),
  iscsi: refused(storagePlugin),
  cephfs: refused(storagePlugin),
  rbd: refused(storagePlugin),
  fc: refused(storagePlugin),
  flexVolume: refused(`runs a driver binary on the node: ${storagePlugin}`),
  glusterfs: refused(storagePlugin),
  awsElasticBlockStore: refused(storagePlugin),
  azureDisk: refused(storagePlugin),
  azureFile: refused(storagePlugin),
  cinder: refused(storagePlugin),
  flocker: refused(storagePlugin),
  gcePersistentDisk: refused(storagePlugin),
  photonPersistentDisk: refused(storagePlugin),
  portworxVolume: refused(storagePlugin),
  quobyte: refused(storagePlugin),
  scaleIO: refused(storagePlugin),
  storageos: refused(storagePlugin),
  vsphereVolume: refused(storagePlugin),
};

/** The two volume refusals stackd gave before the allowlist, which name the volume. */
function checkNamedRefusals(volume: JsonObject, path: string): void {
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

/** A volume with exactly one allowed source; one with none is an emptyDir, as Kubernetes would default it. */
const readVolume: FieldReader = (value, path, context) => {
  const volume = expectObject(value, path);
  checkNamedRefusals(volume, path);
  const hasSource = volumeSources.some((source) => volume[source] !== undefined);
  const read = readAllowed(hasSource ? volume : { ...volume, emptyDir: {} }, volumeFields, path, context);
  checkExactlyOne(read, volumeSources, path);
  return read;
};

/** The pod's volumes: at most PodPolicy.maxVolumes. */
export const readVolumes = listOf(readVolume, { limit: (policy) => policy.maxVolumes, noun: "volumes" });

const volumeMountFields: Allowlist = {
  name: kept("a volume of the pod", anyString),
  mountPath: kept("where the container sees it", anyString),
  readOnly: kept("the container's own choice", anyBoolean),
  subPath: kept("relative, without '..': it cannot step out of the volume", relativePath),
  mountPropagation: kept("None only: other modes share mounts with the node", oneOf(["None"])),
  subPathExpr: refused("expands variables into a path, so a step out of the volume could hide in one"),
  recursiveReadOnly: refused("needs runtime support stackd does not check"),
};

export const readVolumeMounts = listOfObjects(volumeMountFields);

/** The volume tables, with where they apply, for docs/allowlist.md. */
export const volumeKinds: readonly AllowlistKind[] = [
  { path: "spec.volumes[]", fields: volumeFields },
  { path: "spec.volumes[].emptyDir", fields: emptyDirFields },
  { path: "spec.volumes[].configMap", fields: configMapVolumeFields },
  { path: "spec.volumes[].downwardAPI", fields: downwardAPIVolumeFields },
  { path: "spec.volumes[].downwardAPI.items[] (and in projected sources)", fields: downwardFileFields },
  {
    path: "spec.volumes[].downwardAPI.items[].fieldRef (and in projected sources)",
    fields: volumeFieldRefFields,
  },
  { path: "spec.volumes[].projected", fields: projectedFields },
  { path: "spec.volumes[].projected.sources[]", fields: projectionFields },
  { path: "spec.volumes[].projected.sources[].configMap", fields: configMapProjectionFields },
  { path: "spec.volumes[].projected.sources[].downwardAPI", fields: downwardAPIProjectionFields },
  { path: "spec.volumes[].configMap.items[] (and in projected configMaps)", fields: keyToPathFields },
  { path: "spec.containers[].volumeMounts[]", fields: volumeMountFields },
];
