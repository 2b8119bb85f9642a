import { type Allowlist, type AllowlistKind, kept, objectOf, refused } from "./allowlist.ts";
import { anyString, integerIn, listOfObjects, oneOf, stringList } from "./readers.ts";

const requirementFields: Allowlist = {
  key: kept("a node label (or metadata.name in matchFields)", anyString),
  operator: kept(
    "In, NotIn, Exists, DoesNotExist, Gt or Lt",
    oneOf(["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]),
  ),
  values: kept("the values it compares with", stringList),
};

const termFields: Allowlist = {
  matchExpressions: kept("node labels", listOfObjects(requirementFields)),
  matchFields: kept("node fields", listOfObjects(requirementFields)),
};

const nodeSelectorFields: Allowlist = {
  nodeSelectorTerms: kept("ORed terms, each ANDed with the role nodeSelector", listOfObjects(termFields)),
};

const preferredTermFields: Allowlist = {
  weight: kept("1 to 100", integerIn(1, 100)),
  preference: kept("a term", objectOf(termFields)),
};

const nodeAffinityFields: Allowlist = {
  requiredDuringSchedulingIgnoredDuringExecution: kept("narrows the nodes", objectOf(nodeSelectorFields)),
  preferredDuringSchedulingIgnoredDuringExecution: kept(
    "orders the nodes",
    listOfObjects(preferredTermFields),
  ),
};

const otherTenants = "its selector matches other tenants' pods: a stack could seek out or avoid their nodes";

/** The pod's affinity: nodeAffinity only. */
export const affinityFields: Allowlist = {
  nodeAffinity: kept(
    "ANDed with stackd's role nodeSelector, so it can only narrow the nodes",
    objectOf(nodeAffinityFields),
  ),
  podAffinity: refused(otherTenants),
  podAntiAffinity: refused(otherTenants),
};

/** The affinity tables, with where they apply, for docs/allowlist.md. */
export const affinityKinds: readonly AllowlistKind[] = [
  { path: "spec.affinity", fields: affinityFields },
  { path: "spec.affinity.nodeAffinity", fields: nodeAffinityFields },
  {
    path: "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution",
    fields: nodeSelectorFields,
  },
  {
    path: "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[]",
    fields: preferredTermFields,
  },
  { path: "…IgnoredDuringExecution.nodeSelectorTerms[] (and preferred…[].preference)", fields: termFields },
  { path: "…nodeSelectorTerms[].matchExpressions[] (and matchFields[])", fields: requirementFields },
];
