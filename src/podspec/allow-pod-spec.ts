import { affinityFields } from "./allow-affinity.ts";
import { readContainer, readInitContainer } from "./allow-container.ts";
import { metadataFields } from "./allow-metadata.ts";
import { readVolumes } from "./allow-volume.ts";
import {
  type Allowlist,
  capped,
  type FieldReader,
  kept,
  objectOf,
  onlyWhen,
  overridden,
  refused,
} from "./allowlist.ts";
import {
  expectBoolean,
  expectList,
  expectObject,
  expectString,
  fail,
  type JsonObject,
  quote,
} from "./fields.ts";
import { checkDnsLabel, checkLabelValue, checkQualifiedKey } from "./names.ts";
import type { PodPolicy } from "./pod-policy.ts";
import { anyBoolean, anyString, int32Max, integerBetween, listOf, listOfObjects, oneOf } from "./readers.ts";

/** The pod's grace period: as given, at most PodPolicy.maxTerminationGracePeriodSeconds, which is also the default. */
export function gracePeriodOf(spec: JsonObject | undefined, policy: PodPolicy): number {
  const value = spec?.terminationGracePeriodSeconds;
  const cap = policy.maxTerminationGracePeriodSeconds;
  if (value === undefined) return cap;
  return Math.min(integerBetween(value, 0, int32Max, "spec.terminationGracePeriodSeconds"), cap);
}

const readGracePeriod: FieldReader = (_value, _path, context) => context.gracePeriodSeconds;

const readActiveDeadline: FieldReader = (value, path, { policy }) =>
  Math.min(integerBetween(value, 1, int32Max, path), policy.maxActiveDeadlineSeconds);

/** Refuses true with the reference's message; false, the default, is kept. */
const falseOnly: FieldReader = (value, path) => {
  if (expectBoolean(value, path)) fail(`${path} is not allowed`);
  return false;
};

/** Refuses any value but the empty one, which Kubernetes reads as unset (and stackd leaves out). */
const emptyStringOnly: FieldReader = (value, path) => {
  if (expectString(value, path) !== "") fail(`${path} must not be set`);
  return undefined;
};

const emptyListOnly: FieldReader = (value, path) => {
  if (expectList(value, path).length > 0) fail(`${path} are not allowed`);
  return undefined;
};

const readNodeSelector: FieldReader = (value, path) => {
  const selector = expectObject(value, path);
  for (const [key, label] of Object.entries(selector)) {
    checkQualifiedKey(key, path);
    checkLabelValue(expectString(label, `${path}.${key}`), `${path}.${key}`);
  }
  return selector;
};

const readPullSecretName: FieldReader = (value, path, { policy }) => {
  const name = expectString(value, path);
  if (!policy.allowedPullSecrets.includes(name)) {
    fail(`${path} ${quote(name)} is not one of the operator's allowed pull secrets`);
  }
  return name;
};

export const pullSecretFields: Allowlist = {
  name: kept("one of PodPolicy.allowedPullSecrets", readPullSecretName),
};

const mustNotBeSet: FieldReader = (_value, path) => fail(`${path} must not be set; stackd sets it`);

const hostNamespace = (what: string) =>
  refused(`shares the node's ${what}; false (the default) is accepted`, falseOnly);
const noIdentity = "a stack runs with no identity in the cluster; an empty value is accepted as unset";
const placement = "would bypass stackd's placement";

/** The Pod's spec. */
export const podSpecFields: Allowlist = {
  containers: kept(
    "each by the container allowlist; PodPolicy.maxContainers",
    listOf(readContainer, {
      limit: (policy) => policy.maxContainers,
      noun: "containers",
    }),
  ),
  initContainers: kept(
    "each by the init container allowlist; PodPolicy.maxInitContainers",
    listOf(readInitContainer, {
      limit: (policy) => policy.maxInitContainers,
      noun: "init containers",
    }),
  ),
  volumes: kept("each by the volume allowlist; PodPolicy.maxVolumes", readVolumes),
  affinity: kept("nodeAffinity only", objectOf(affinityFields)),
  nodeSelector: kept(
    "the author's keys narrow the nodes; stackd overrides role with STACK_NODE_ROLE",
    readNodeSelector,
  ),
  hostname: kept("the pod's own hostname", (value, path) => checkDnsLabel(expectString(value, path), path)),
  shareProcessNamespace: kept("shares processes between the pod's own containers only", anyBoolean),
  dnsPolicy: kept(
    "ClusterFirst only: None or Default would hand the pod other resolvers",
    oneOf(["ClusterFirst"]),
  ),
  imagePullSecrets: onlyWhen(
    (policy) => policy.allowedPullSecrets.length > 0,
    kept(
      "only PodPolicy.allowedPullSecrets: any other would pull with another tenant's credentials",
      listOfObjects(pullSecretFields),
    ),
  ),
  terminationGracePeriodSeconds: capped(
    "at most PodPolicy.maxTerminationGracePeriodSeconds, and that when absent: a deleted stack frees its quota quickly",
    readGracePeriod,
  ),
  activeDeadlineSeconds: capped("at most PodPolicy.maxActiveDeadlineSeconds (the TTL)", readActiveDeadline),
  restartPolicy: overridden("always Never: a stack that exits is over", anyString),
  automountServiceAccountToken: overridden("always false: a stack gets no API credentials", anyBoolean),
  enableServiceLinks: overridden("always false: no variables describing other tenants' Services", anyBoolean),
  securityContext: refused("stackd sets it (see Pod Security)", mustNotBeSet),
  hostNetwork: hostNamespace("network"),
  hostPID: hostNamespace("processes"),
  hostIPC: hostNamespace("IPC"),
  hostUsers: refused("user namespaces depend on node support stackd does not check"),
  serviceAccountName: refused(noIdentity, emptyStringOnly),
  serviceAccount: refused(noIdentity, emptyStringOnly),
  nodeName: refused(
    `${placement}, the scheduler and quota checks; an empty value is accepted`,
    emptyStringOnly,
  ),
  runtimeClassName: refused(
    "picks another runtime and its overhead; an empty value is accepted",
    emptyStringOnly,
  ),
  ephemeralContainers: refused(
    "debug containers are for operators; an empty list is accepted",
    emptyListOnly,
  ),
  priorityClassName: refused("system-node-critical preempted other tenants' running stacks"),
  priority: refused("a priority lets the stack preempt other tenants' stacks"),
  preemptionPolicy: refused("comes with a priority, which is refused"),
  overhead: refused("set by RuntimeClass admission; the API server refuses it from users"),
  schedulerName: refused(`${placement}: another scheduler need not honour it`),
  tolerations: refused("would place stacks on tainted or cordoned nodes and keep them on unreachable ones"),
  topologySpreadConstraints: refused("a stack is one pod: a constraint could only count other tenants' pods"),
  schedulingGates: refused("a gated pod never schedules, holding its port and quota"),
  readinessGates: refused("conditions no controller sets: the stack would never be Ready"),
  resourceClaims: refused("dynamic resource allocation hands out node devices"),
  resources: refused("stackd reserves per container; a pod-level budget would change its accounting and QoS"),
  dnsConfig: refused("outside nameservers and search domains"),
  hostAliases: refused("rewrites /etc/hosts to point names anywhere"),
  subdomain: refused("a DNS name under a headless Service, which stacks do not have"),
  setHostnameAsFQDN: refused("only means something with subdomain, which is refused"),
  os: refused("stack nodes are Linux; windows would skip Pod Security's Linux checks"),
};

/** apiVersion must be v1 and kind Pod. */
export function checkKind(document: JsonObject): void {
  const apiVersion = document.apiVersion;
  if (apiVersion !== "v1") {
    fail(`apiVersion must be "v1", got ${apiVersion === undefined ? "nothing" : quote(apiVersion)}`);
  }
  const kind = document.kind;
  if (kind !== "Pod") fail(`kind must be "Pod", got ${kind === undefined ? "nothing" : quote(kind)}`);
}

/** The document itself. */
export const documentFields: Allowlist = {
  apiVersion: kept("v1", anyString),
  kind: kept("Pod", anyString),
  metadata: kept("by the metadata allowlist", objectOf(metadataFields)),
  spec: kept("by the pod spec allowlist", objectOf(podSpecFields)),
  status: overridden("written as {}: a pod's status is the kubelet's", () => undefined),
};
