import { type Allowlist, capped, dropped, type FieldReader, kept, notAllowed, refused } from "./allowlist.ts";
import { expectObject, expectString, fail, type JsonObject } from "./fields.ts";
import { checkDnsSubdomain, checkLabelValue, checkQualifiedKey, isUnderDomain } from "./names.ts";

/** Label keys stackd sets on every stack; the stack-id one selects the Service's endpoints. */
const stackdLabelKeys = [
  "app.kubernetes.io/managed-by",
  "app.kubernetes.io/name",
  "app.kubernetes.io/instance",
];

/** Domains whose annotations Kubernetes and its plugins act on (AppArmor, seccomp, autoscaler, bandwidth). */
const kubernetesDomains = ["kubernetes.io", "k8s.io"];

function isStackdLabel(key: string): boolean {
  return isUnderDomain(key, "stackd.io") || stackdLabelKeys.includes(key);
}

/** Each entry as a string, its key checked; `path` is the map's. */
function stringEntries(map: JsonObject, path: string): [string, string][] {
  return Object.entries(map).map(([key, value]) => {
    const text = expectString(value, `${path}.${key}`);
    checkQualifiedKey(key, path);
    return [key, text];
  });
}

const readLabels: FieldReader = (value, path, { policy }) => {
  const labels = expectObject(value, path);
  const count = Object.keys(labels).length;
  if (count > policy.maxLabels)
    fail(`${path} has ${count} labels, more than the limit of ${policy.maxLabels}`);
  for (const [key, text] of stringEntries(labels, path)) {
    if (isStackdLabel(key)) notAllowed(path, key);
    checkLabelValue(text, `${path}.${key}`);
  }
  return labels;
};

function annotationBytes(annotations: JsonObject): number {
  return Object.entries(annotations).reduce(
    (sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(String(value)),
    0,
  );
}

const readAnnotations: FieldReader = (value, path, { policy }) => {
  const annotations = expectObject(value, path);
  const bytes = annotationBytes(annotations);
  if (bytes > policy.maxAnnotationBytes) {
    fail(`${path} are ${bytes} bytes, more than the limit of ${policy.maxAnnotationBytes}`);
  }
  for (const [key] of stringEntries(annotations, path)) {
    const allowedPrefix = policy.annotationPrefixes.some((prefix) => key.startsWith(prefix));
    if (!allowedPrefix || kubernetesDomains.some((domain) => isUnderDomain(key, domain)))
      notAllowed(path, key);
  }
  return annotations;
};

const readName: FieldReader = (value, path) => checkDnsSubdomain(expectString(value, path), path);

const serverSet = "set by the API server, never by an author";

/** The Pod's metadata. */
export const metadataFields: Allowlist = {
  name: kept("shown in the returned pod_spec; the Pod itself is named after the stack", readName),
  namespace: dropped("every stack lives in stackd's namespace"),
  labels: capped(
    "the author's own labels (PodPolicy.maxLabels), never under stackd.io/ or app.kubernetes.io/managed-by|name|instance",
    readLabels,
  ),
  annotations: kept(
    "only keys under PodPolicy.annotationPrefixes (none by default) and never under kubernetes.io or k8s.io, whose annotations the cluster acts on (AppArmor unconfined, CNI addresses, eviction); PodPolicy.maxAnnotationBytes in all",
    readAnnotations,
  ),
  finalizers: dropped(
    "a finalizer would keep a deleted stack's pod, and its quota, until someone removes it",
  ),
  ownerReferences: dropped("an owner elsewhere could delete or adopt the stack's pod"),
  generateName: refused("the Pod is named after the stack"),
  uid: refused(serverSet),
  resourceVersion: refused(serverSet),
  generation: refused(serverSet),
  creationTimestamp: refused(serverSet),
  deletionTimestamp: refused(serverSet),
  deletionGracePeriodSeconds: refused(serverSet),
  managedFields: refused(serverSet),
  selfLink: refused(serverSet),
};
