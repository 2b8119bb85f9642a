import { expect } from "bun:test";
import { accepts, type HostileCase, refuses, withMetadata } from "./hostile-cases.ts";
import { podYaml } from "./pod-spec-fixtures.ts";

/** Metadata: annotations the cluster acts on, stackd's own labels, fields the API server sets. */
export const metadataCases: HostileCase[] = [
  ...(["generateName", "uid", "resourceVersion", "creationTimestamp", "selfLink"] as const).map((field) =>
    refuses(`refuses metadata.${field}`, withMetadata({ [field]: "x" }), `metadata: ${field} is not allowed`),
  ),
  refuses(
    "refuses metadata.managedFields",
    withMetadata({ managedFields: [{}] }),
    "metadata: managedFields is not allowed",
  ),
  refuses(
    "refuses metadata.generation",
    withMetadata({ generation: 7 }),
    "metadata: generation is not allowed",
  ),
  refuses(
    "refuses the AppArmor unconfined annotation",
    withMetadata({ annotations: { "container.apparmor.security.beta.kubernetes.io/app": "unconfined" } }),
    "metadata.annotations: container.apparmor.security.beta.kubernetes.io/app is not allowed",
  ),
  refuses(
    "refuses the legacy seccomp annotation",
    withMetadata({ annotations: { "seccomp.security.alpha.kubernetes.io/pod": "unconfined" } }),
    "metadata.annotations: seccomp.security.alpha.kubernetes.io/pod is not allowed",
  ),
  refuses(
    "refuses Calico's ipAddrs annotation",
    withMetadata({ annotations: { "cni.projectcalico.org/ipAddrs": '["10.0.0.1"]' } }),
    "metadata.annotations: cni.projectcalico.org/ipAddrs is not allowed",
  ),
  refuses(
    "refuses Multus' networks annotation",
    withMetadata({ annotations: { "k8s.v1.cni.cncf.io/networks": "host-net" } }),
    "metadata.annotations: k8s.v1.cni.cncf.io/networks is not allowed",
  ),
  refuses(
    "refuses the egress-bandwidth annotation",
    withMetadata({ annotations: { "kubernetes.io/egress-bandwidth": "10G" } }),
    "metadata.annotations: kubernetes.io/egress-bandwidth is not allowed",
  ),
  refuses(
    "refuses the autoscaler's safe-to-evict annotation",
    withMetadata({ annotations: { "cluster-autoscaler.kubernetes.io/safe-to-evict": "false" } }),
    "metadata.annotations: cluster-autoscaler.kubernetes.io/safe-to-evict is not allowed",
  ),
  refuses(
    "refuses a 200 KB annotation before looking at its key",
    withMetadata({ annotations: { "ctf.example.com/blob": "x".repeat(200 * 1024) } }),
    "metadata.annotations are 204820 bytes, more than the limit of 4096",
    { annotationPrefixes: ["ctf.example.com/"] },
  ),
  refuses(
    "refuses a kubernetes.io annotation even when a prefix would allow everything",
    withMetadata({ annotations: { "kubernetes.io/egress-bandwidth": "10G" } }),
    "metadata.annotations: kubernetes.io/egress-bandwidth is not allowed",
    { annotationPrefixes: [""] },
  ),
  refuses(
    "refuses a k8s.io annotation under an allowed prefix",
    withMetadata({ annotations: { "x.k8s.io/anything": "1" } }),
    "metadata.annotations: x.k8s.io/anything is not allowed",
    { annotationPrefixes: ["x."] },
  ),
  refuses(
    "refuses an annotation value that is not a string",
    withMetadata({ annotations: { "ctf.example.com/points": 100 } }),
    "metadata.annotations.ctf.example.com/points must be a string, got a number",
    { annotationPrefixes: ["ctf.example.com/"] },
  ),
  refuses(
    "refuses an annotation key with a space",
    withMetadata({ annotations: { "ctf.example.com/bad key": "1" } }),
    "metadata.annotations: \"ctf.example.com/bad key\" is not a valid key (an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.')",
    { annotationPrefixes: ["ctf.example.com/"] },
  ),
  refuses(
    "refuses the stack-id label",
    withMetadata({ labels: { "stackd.io/stack-id": "stack-0000000000000000" } }),
    "metadata.labels: stackd.io/stack-id is not allowed",
  ),
  refuses(
    "refuses a label under a subdomain of stackd.io",
    withMetadata({ labels: { "x.stackd.io/owner": "me" } }),
    "metadata.labels: x.stackd.io/owner is not allowed",
  ),
  ...["managed-by", "name", "instance"].map((key) =>
    refuses(
      `refuses the app.kubernetes.io/${key} label`,
      withMetadata({ labels: { [`app.kubernetes.io/${key}`]: "stackd" } }),
      `metadata.labels: app.kubernetes.io/${key} is not allowed`,
    ),
  ),
  refuses(
    "refuses a label value with a space",
    withMetadata({ labels: { tier: "web tier" } }),
    "metadata.labels.tier must be a label value (at most 63 letters, digits, '-', '_' or '.'), got \"web tier\"",
  ),
  refuses(
    "refuses a label value of 64 characters",
    withMetadata({ labels: { tier: "a".repeat(64) } }),
    `metadata.labels.tier must be a label value (at most 63 letters, digits, '-', '_' or '.'), got "${"a".repeat(60)}...`,
  ),
  refuses(
    "refuses a label value with a right-to-left override, showing it escaped",
    withMetadata({ labels: { tier: "web\u202eevil" } }),
    "metadata.labels.tier must be a label value (at most 63 letters, digits, '-', '_' or '.'), got \"web\\u202eevil\"",
  ),
  refuses(
    "refuses a label key that starts with a dash",
    withMetadata({ labels: { "-tier": "web" } }),
    "metadata.labels: \"-tier\" is not a valid key (an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.')",
  ),
  refuses(
    "refuses a label key with an upper-case prefix",
    withMetadata({ labels: { "Example.com/tier": "web" } }),
    "metadata.labels: \"Example.com/tier\" is not a valid key (an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.')",
  ),
  refuses(
    "refuses more labels than the limit",
    withMetadata({
      labels: Object.fromEntries(Array.from({ length: 33 }, (_, index) => [`l${index}`, "v"])),
    }),
    "metadata.labels has 33 labels, more than the limit of 32",
  ),
  refuses(
    "refuses a metadata.name that is not a DNS subdomain",
    withMetadata({ name: "My Challenge" }),
    "metadata.name must be a DNS subdomain (lowercase letters, digits, '-' and '.'), got \"My Challenge\"",
  ),
  accepts(
    "keeps app.kubernetes.io labels other than stackd's and empty label values",
    withMetadata({ labels: { "app.kubernetes.io/component": "web", flag: "" } }),
    (result) =>
      expect(result.pod.metadata.labels).toEqual({ "app.kubernetes.io/component": "web", flag: "" }),
  ),
  accepts(
    "drops namespace, finalizers and ownerReferences",
    withMetadata({
      namespace: "kube-system",
      finalizers: ["example.com/never"],
      ownerReferences: [{ apiVersion: "v1", kind: "Node", name: "stack-node-1", uid: "1" }],
    }),
    (result) => expect(result.pod.metadata).toEqual({ name: "challenge" }),
  ),
  accepts(
    "keeps annotations under an allowed prefix",
    withMetadata({ annotations: { "ctf.example.com/points": "100" } }),
    (result) => expect(result.pod.metadata.annotations).toEqual({ "ctf.example.com/points": "100" }),
    { annotationPrefixes: ["ctf.example.com/"] },
  ),
  accepts(
    "writes status as {} whatever the author sent",
    podYaml({ top: { status: { phase: "Running" } } }),
    (result) => expect(result.pod.status).toEqual({}),
  ),
];
