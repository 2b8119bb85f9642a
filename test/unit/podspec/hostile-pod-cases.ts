import { expect } from "bun:test";
import { accepts, type HostileCase, refuses, specField, withSpec } from "./hostile-cases.ts";
import { podYaml } from "./pod-spec-fixtures.ts";

const notAllowed = (field: string) => `spec: ${field} is not allowed`;

/** Pod-level fields that reach placement, identity, DNS or the node. */
export const podLevelCases: HostileCase[] = [
  // The preemption attack: a critical priority class preempted other tenants' running stacks.
  refuses(
    "refuses priorityClassName system-node-critical (preempts other tenants)",
    withSpec({ priorityClassName: "system-node-critical" }),
    notAllowed("priorityClassName"),
  ),
  refuses(
    "refuses priorityClassName system-cluster-critical",
    withSpec({ priorityClassName: "system-cluster-critical" }),
    notAllowed("priorityClassName"),
  ),
  refuses("refuses a numeric priority", withSpec({ priority: 2000001000 }), notAllowed("priority")),
  refuses("refuses priority 0", withSpec({ priority: 0 }), notAllowed("priority")),
  refuses(
    "refuses preemptionPolicy",
    withSpec({ preemptionPolicy: "PreemptLowerPriority" }),
    notAllowed("preemptionPolicy"),
  ),
  refuses("refuses overhead", withSpec({ overhead: { cpu: "1" } }), notAllowed("overhead")),
  refuses("refuses schedulerName", withSpec({ schedulerName: "my-scheduler" }), notAllowed("schedulerName")),
  refuses(
    "refuses runtimeClassName",
    withSpec({ runtimeClassName: "kata" }),
    "spec.runtimeClassName must not be set",
  ),
  refuses("refuses hostUsers: false", withSpec({ hostUsers: false }), notAllowed("hostUsers")),
  refuses("refuses hostUsers: true", withSpec({ hostUsers: true }), notAllowed("hostUsers")),
  refuses(
    "refuses dnsPolicy None",
    withSpec({ dnsPolicy: "None", dnsConfig: { nameservers: ["1.1.1.1"] } }),
    'spec.dnsPolicy must be ClusterFirst, got "None"',
  ),
  refuses(
    "refuses dnsPolicy Default (the node's resolvers)",
    withSpec({ dnsPolicy: "Default" }),
    'spec.dnsPolicy must be ClusterFirst, got "Default"',
  ),
  refuses(
    "refuses dnsPolicy ClusterFirstWithHostNet",
    withSpec({ dnsPolicy: "ClusterFirstWithHostNet" }),
    'spec.dnsPolicy must be ClusterFirst, got "ClusterFirstWithHostNet"',
  ),
  refuses(
    "refuses dnsConfig with outside nameservers",
    withSpec({ dnsConfig: { nameservers: ["203.0.113.53"], searches: ["evil.example"] } }),
    notAllowed("dnsConfig"),
  ),
  refuses(
    "refuses hostAliases",
    withSpec({ hostAliases: [{ ip: "203.0.113.9", hostnames: ["kubernetes.default"] }] }),
    notAllowed("hostAliases"),
  ),
  refuses(
    "refuses tolerations [{operator: Exists}]",
    withSpec({ tolerations: [{ operator: "Exists" }] }),
    notAllowed("tolerations"),
  ),
  refuses(
    "refuses a NoExecute toleration that keeps the pod on an unreachable node",
    withSpec({
      tolerations: [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" }],
    }),
    notAllowed("tolerations"),
  ),
  refuses(
    "refuses podAffinity (co-location with another tenant)",
    withSpec({
      affinity: {
        podAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { labelSelector: { matchLabels: { team: "victim" } }, topologyKey: "kubernetes.io/hostname" },
          ],
        },
      },
    }),
    "spec.affinity: podAffinity is not allowed",
  ),
  refuses(
    "refuses podAntiAffinity",
    withSpec({ affinity: { podAntiAffinity: {} } }),
    "spec.affinity: podAntiAffinity is not allowed",
  ),
  refuses(
    "refuses an unknown nodeAffinity field",
    withSpec({ affinity: { nodeAffinity: { requiredDuringSchedulingRequiredDuringExecution: {} } } }),
    "spec.affinity.nodeAffinity: requiredDuringSchedulingRequiredDuringExecution is not allowed",
  ),
  refuses(
    "refuses a nodeAffinity operator that does not exist",
    withSpec({
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: "role", operator: "Any" }] }],
          },
        },
      },
    }),
    'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator must be In, NotIn, Exists, DoesNotExist, Gt or Lt, got "Any"',
  ),
  refuses(
    "refuses a preferred term weight above 100",
    withSpec({
      affinity: {
        nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1000, preference: {} }] },
      },
    }),
    "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight must be an integer between 1 and 100, got 1000",
  ),
  refuses(
    "refuses resourceClaims",
    withSpec({ resourceClaims: [{ name: "gpu", resourceClaimName: "gpu" }] }),
    notAllowed("resourceClaims"),
  ),
  refuses(
    "refuses schedulingGates",
    withSpec({ schedulingGates: [{ name: "hold" }] }),
    notAllowed("schedulingGates"),
  ),
  refuses(
    "refuses readinessGates",
    withSpec({ readinessGates: [{ conditionType: "example.com/ready" }] }),
    notAllowed("readinessGates"),
  ),
  refuses(
    "refuses a non-empty ephemeralContainers list",
    withSpec({ ephemeralContainers: [{ name: "debug", image: "busybox" }] }),
    "spec.ephemeralContainers are not allowed",
  ),
  refuses(
    "refuses serviceAccountName default",
    withSpec({ serviceAccountName: "default" }),
    "spec.serviceAccountName must not be set",
  ),
  refuses("refuses nodeName", withSpec({ nodeName: "stack-node-1" }), "spec.nodeName must not be set"),
  refuses(
    "refuses a pod securityContext running as root",
    withSpec({ securityContext: { runAsUser: 0 } }),
    "spec.securityContext must not be set; stackd sets it",
  ),
  refuses(
    "refuses a pod securityContext with sysctls",
    withSpec({ securityContext: { sysctls: [{ name: "kernel.shm_rmid_forced", value: "0" }] } }),
    "spec.securityContext must not be set; stackd sets it",
  ),
  refuses(
    "refuses imagePullSecrets when the operator allows none",
    withSpec({ imagePullSecrets: [{ name: "registry" }] }),
    notAllowed("imagePullSecrets"),
  ),
  refuses(
    "refuses an imagePullSecret the operator did not name",
    withSpec({ imagePullSecrets: [{ name: "other-tenant-registry" }] }),
    'spec.imagePullSecrets[0].name "other-tenant-registry" is not one of the operator\'s allowed pull secrets',
    { allowedPullSecrets: ["registry"] },
  ),
  refuses(
    "refuses topologySpreadConstraints",
    withSpec({
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "DoNotSchedule" }],
    }),
    notAllowed("topologySpreadConstraints"),
  ),
  refuses(
    "refuses pod-level resources",
    withSpec({ resources: { limits: { cpu: "64" } } }),
    notAllowed("resources"),
  ),
  refuses("refuses subdomain", withSpec({ subdomain: "svc-stack-0000" }), notAllowed("subdomain")),
  refuses(
    "refuses setHostnameAsFQDN",
    withSpec({ setHostnameAsFQDN: true }),
    notAllowed("setHostnameAsFQDN"),
  ),
  refuses("refuses os windows", withSpec({ os: { name: "windows" } }), notAllowed("os")),
  refuses(
    "refuses a field Kubernetes does not have",
    withSpec({ hostNetworkk: true }),
    notAllowed("hostNetworkk"),
  ),
  refuses(
    "refuses activeDeadlineSeconds 0",
    withSpec({ activeDeadlineSeconds: 0 }),
    "spec.activeDeadlineSeconds must be an integer between 1 and 2147483647, got 0",
  ),
  refuses(
    "refuses activeDeadlineSeconds written as a string",
    withSpec({ activeDeadlineSeconds: "100" }),
    'spec.activeDeadlineSeconds must be an integer between 1 and 2147483647, got "100"',
  ),
  refuses(
    "refuses a negative terminationGracePeriodSeconds",
    withSpec({ terminationGracePeriodSeconds: -1 }),
    "spec.terminationGracePeriodSeconds must be an integer between 0 and 2147483647, got -1",
  ),
  refuses(
    "refuses a fractional terminationGracePeriodSeconds",
    withSpec({ terminationGracePeriodSeconds: 1.5 }),
    "spec.terminationGracePeriodSeconds must be an integer between 0 and 2147483647, got 1.5",
  ),
  refuses(
    "refuses a restartPolicy that is not a string",
    withSpec({ restartPolicy: 5 }),
    "spec.restartPolicy must be a string, got a number",
  ),
  refuses(
    "refuses automountServiceAccountToken that is not a boolean",
    withSpec({ automountServiceAccountToken: "true" }),
    "spec.automountServiceAccountToken must be a boolean, got a string",
  ),
  refuses(
    "refuses a hostname that is not a DNS label",
    withSpec({ hostname: "kubernetes.default.svc" }),
    "spec.hostname must be a DNS label (at most 63 lowercase letters, digits and '-'), got \"kubernetes.default.svc\"",
  ),
  refuses(
    "refuses a nodeSelector key that is not a label key",
    withSpec({ nodeSelector: { "bad key": "x" } }),
    "spec.nodeSelector: \"bad key\" is not a valid key (an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.')",
  ),
  refuses(
    "refuses a nodeSelector value that is not a string",
    withSpec({ nodeSelector: { disk: 1 } }),
    "spec.nodeSelector.disk must be a string, got a number",
  ),
  refuses(
    "refuses an unknown top-level field",
    podYaml({ top: { extra: { anything: true } } }),
    "extra is not allowed",
  ),
];

/** Pod-level fields stackd accepts but overrides, caps or fills in. */
export const podLevelAccepted: HostileCase[] = [
  accepts(
    "caps terminationGracePeriodSeconds 999999999 at 5",
    withSpec({ terminationGracePeriodSeconds: 999999999 }),
    (result) => expect(specField(result, "terminationGracePeriodSeconds")).toBe(5),
  ),
  accepts("sets terminationGracePeriodSeconds to the cap when absent", podYaml(), (result) =>
    expect(specField(result, "terminationGracePeriodSeconds")).toBe(5),
  ),
  accepts("keeps terminationGracePeriodSeconds 0", withSpec({ terminationGracePeriodSeconds: 0 }), (result) =>
    expect(specField(result, "terminationGracePeriodSeconds")).toBe(0),
  ),
  accepts(
    "caps terminationGracePeriodSeconds at the policy's cap",
    withSpec({ terminationGracePeriodSeconds: 60 }),
    (result) => expect(specField(result, "terminationGracePeriodSeconds")).toBe(30),
    { maxTerminationGracePeriodSeconds: 30 },
  ),
  accepts("caps activeDeadlineSeconds at the TTL", withSpec({ activeDeadlineSeconds: 999999 }), (result) =>
    expect(specField(result, "activeDeadlineSeconds")).toBe(7200),
  ),
  accepts(
    "caps activeDeadlineSeconds at the policy's TTL",
    withSpec({ activeDeadlineSeconds: 7200 }),
    (result) => expect(specField(result, "activeDeadlineSeconds")).toBe(600),
    { maxActiveDeadlineSeconds: 600 },
  ),
  accepts("keeps a shorter activeDeadlineSeconds", withSpec({ activeDeadlineSeconds: 60 }), (result) =>
    expect(specField(result, "activeDeadlineSeconds")).toBe(60),
  ),
  accepts(
    "overrides restartPolicy, automountServiceAccountToken and enableServiceLinks",
    withSpec({ restartPolicy: "Always", automountServiceAccountToken: true, enableServiceLinks: true }),
    (result) =>
      expect(result.pod.spec).toMatchObject({
        restartPolicy: "Never",
        automountServiceAccountToken: false,
        enableServiceLinks: false,
      }),
  ),
  accepts("keeps dnsPolicy ClusterFirst", withSpec({ dnsPolicy: "ClusterFirst" }), (result) =>
    expect(specField(result, "dnsPolicy")).toBe("ClusterFirst"),
  ),
  accepts(
    "keeps a required nodeAffinity as written",
    withSpec({
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["n1"] }] },
            ],
          },
        },
      },
    }),
    (result) =>
      expect(specField(result, "affinity")).toEqual({
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["n1"] }] },
            ],
          },
        },
      }),
  ),
  accepts(
    "leaves out empty identity fields and keeps host namespaces set to false",
    withSpec({
      serviceAccountName: "",
      nodeName: "",
      runtimeClassName: "",
      ephemeralContainers: [],
      hostPID: false,
    }),
    (result) => {
      for (const key of ["serviceAccountName", "nodeName", "runtimeClassName", "ephemeralContainers"]) {
        expect(result.pod.spec).not.toHaveProperty(key);
      }
      expect(specField(result, "hostPID")).toBe(false);
    },
  ),
  accepts(
    "keeps the pod's hostname and shareProcessNamespace",
    withSpec({ hostname: "web", shareProcessNamespace: true }),
    (result) => expect(result.pod.spec).toMatchObject({ hostname: "web", shareProcessNamespace: true }),
  ),
];
