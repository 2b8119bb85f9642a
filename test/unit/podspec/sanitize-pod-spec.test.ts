import { describe, expect, it } from "bun:test";
import { join } from "node:path";
import { InvalidPodSpecError, InvalidTargetPortError } from "../../../src/podspec/errors.ts";
import { type ExposeRequest, sanitizePodSpec } from "../../../src/podspec/sanitize-pod-spec.ts";
import { hostileCorpus } from "./hostile-corpus.ts";
import { container, helper, podYaml, rejectionOf } from "./pod-spec-fixtures.ts";
import { refusalTemplates, templatesNotProduced } from "./refusal-templates.ts";

interface RejectedCase {
  name: string;
  yaml: string;
  reason: string | RegExp;
  targetPort?: ExposeRequest;
}

const resources = (requests: Record<string, unknown>, limits?: Record<string, unknown>) => ({
  requests,
  limits,
});

const rejected: RejectedCase[] = [
  // apiVersion and kind
  {
    name: "rejects an apiVersion other than v1",
    yaml: podYaml({ top: { apiVersion: "apps/v1" } }),
    reason: 'apiVersion must be "v1", got "apps/v1"',
  },
  {
    name: "rejects a missing apiVersion",
    yaml: "kind: Pod\nspec: {}\n",
    reason: 'apiVersion must be "v1", got nothing',
  },
  {
    name: "rejects a kind other than Pod",
    yaml: podYaml({ top: { kind: "Deployment" } }),
    reason: 'kind must be "Pod", got "Deployment"',
  },
  { name: "rejects a pod without a spec", yaml: "apiVersion: v1\nkind: Pod\n", reason: "spec is required" },
  {
    name: "rejects a spec that is not a mapping",
    yaml: "apiVersion: v1\nkind: Pod\nspec: [1]\n",
    reason: "spec must be a mapping, got a list",
  },
  // Host namespaces and identity
  {
    name: "rejects hostNetwork",
    yaml: podYaml({ spec: { hostNetwork: true } }),
    reason: "spec.hostNetwork is not allowed",
  },
  {
    name: "rejects hostPID",
    yaml: podYaml({ spec: { hostPID: true } }),
    reason: "spec.hostPID is not allowed",
  },
  {
    name: "rejects hostIPC",
    yaml: podYaml({ spec: { hostIPC: true } }),
    reason: "spec.hostIPC is not allowed",
  },
  {
    name: "rejects hostNetwork written as the YAML 1.1 boolean yes",
    yaml: podYaml().replace("spec:\n", "spec:\n  hostNetwork: yes\n"),
    reason: "spec.hostNetwork is not allowed",
  },
  {
    name: "rejects hostNetwork that is not a boolean",
    yaml: podYaml({ spec: { hostNetwork: "true" } }),
    reason: "spec.hostNetwork must be a boolean, got a string",
  },
  {
    name: "rejects a pod-level securityContext, even an empty one",
    yaml: podYaml({ spec: { securityContext: {} } }),
    reason: "spec.securityContext must not be set; stackd sets it",
  },
  {
    name: "rejects a container securityContext",
    yaml: podYaml({ containers: [container({ securityContext: { privileged: true } })] }),
    reason: "spec.containers[0].securityContext must not be set; stackd sets it",
  },
  {
    name: "rejects an init container securityContext",
    yaml: podYaml({ spec: { initContainers: [helper("init", { securityContext: {} })] } }),
    reason: "spec.initContainers[0].securityContext must not be set; stackd sets it",
  },
  {
    name: "rejects serviceAccountName",
    yaml: podYaml({ spec: { serviceAccountName: "admin" } }),
    reason: "spec.serviceAccountName must not be set",
  },
  {
    name: "rejects serviceAccount",
    yaml: podYaml({ spec: { serviceAccount: "admin" } }),
    reason: "spec.serviceAccount must not be set",
  },
  {
    name: "rejects nodeName",
    yaml: podYaml({ spec: { nodeName: "control-plane" } }),
    reason: "spec.nodeName must not be set",
  },
  {
    name: "rejects runtimeClassName",
    yaml: podYaml({ spec: { runtimeClassName: "runc" } }),
    reason: "spec.runtimeClassName must not be set",
  },
  {
    name: "rejects ephemeralContainers",
    yaml: podYaml({ spec: { ephemeralContainers: [{ name: "debug", image: "busybox" }] } }),
    reason: "spec.ephemeralContainers are not allowed",
  },
  // Volumes
  {
    name: "rejects hostPath volumes",
    yaml: podYaml({
      spec: {
        volumes: [
          { name: "cache", emptyDir: {} },
          { name: "root", hostPath: { path: "/" } },
        ],
      },
    }),
    reason: 'spec.volumes[1] ("root"): hostPath volumes are not allowed',
  },
  {
    name: "rejects projected service account token sources",
    yaml: podYaml({
      spec: {
        volumes: [
          {
            name: "token",
            projected: { sources: [{ configMap: { name: "c" } }, { serviceAccountToken: { path: "t" } }] },
          },
        ],
      },
    }),
    reason:
      'spec.volumes[0].projected.sources[1] ("token"): projected serviceAccountToken sources are not allowed',
  },
  {
    name: "rejects volumes that are not a list",
    yaml: podYaml({ spec: { volumes: { a: 1 } } }),
    reason: "spec.volumes must be a list, got a mapping",
  },
  // Containers
  {
    name: "rejects a pod with an empty container list",
    yaml: podYaml({ containers: [] }),
    reason: "spec.containers must list at least one container",
  },
  {
    name: "rejects a pod without containers",
    yaml: "apiVersion: v1\nkind: Pod\nspec: {}\n",
    reason: "spec.containers must list at least one container",
  },
  {
    name: "rejects containers that are not a list",
    yaml: podYaml({ containers: { app: {} } }),
    reason: "spec.containers must be a list, got a mapping",
  },
  {
    name: "rejects a container that is not a mapping",
    yaml: podYaml({ containers: ["nginx"] }),
    reason: "spec.containers[0] must be a mapping, got a string",
  },
  {
    name: "rejects a container without a name",
    yaml: podYaml({ containers: [container({ name: undefined })] }),
    reason: "spec.containers[0].name is required",
  },
  {
    name: "rejects a container without an image",
    yaml: podYaml({ containers: [container({ image: "" })] }),
    reason: "spec.containers[0].image is required",
  },
  {
    name: "rejects an image that is not a string",
    yaml: podYaml({ containers: [container({ image: 42 })] }),
    reason: "spec.containers[0].image must be a string, got a number",
  },
  {
    name: "rejects an init container without an image",
    yaml: podYaml({ spec: { initContainers: [helper("init", { image: undefined })] } }),
    reason: "spec.initContainers[0].image is required",
  },
  {
    name: "rejects duplicate container names across init and regular containers",
    yaml: podYaml({ spec: { initContainers: [helper("app")] } }),
    reason: 'container name "app" is used more than once',
  },
  {
    name: "rejects ports on init containers",
    yaml: podYaml({ spec: { initContainers: [helper("init", { ports: [{ containerPort: 81 }] })] } }),
    reason: 'spec.initContainers[0] ("init"): init containers must not declare ports',
  },
  // Resources
  {
    name: "rejects a container without cpu",
    yaml: podYaml({ containers: [container({ resources: resources({ memory: "128Mi" }) })] }),
    reason: 'spec.containers[0] ("app") must set a non-zero cpu request or limit',
  },
  {
    name: "rejects a container whose memory request and limit are both zero",
    yaml: podYaml({
      containers: [container({ resources: resources({ cpu: "1", memory: "0" }, { memory: 0 }) })],
    }),
    reason: 'spec.containers[0] ("app") must set a non-zero memory request or limit',
  },
  {
    name: "rejects an init container without resources",
    yaml: podYaml({ spec: { initContainers: [helper("init", { resources: undefined })] } }),
    reason: 'spec.initContainers[0] ("init") must set a non-zero cpu request or limit',
  },
  {
    name: "rejects an invalid quantity, naming it",
    yaml: podYaml({ containers: [container({ resources: resources({ cpu: "lots", memory: "1Gi" }) })] }),
    reason:
      'spec.containers[0].resources.requests.cpu: invalid quantity "lots": expected a number such as 100m or 1Gi',
  },
  {
    name: "rejects a negative quantity",
    yaml: podYaml({ containers: [container({ resources: resources({ cpu: "1" }, { memory: "-1Gi" }) })] }),
    reason: 'spec.containers[0].resources.limits.memory: invalid quantity "-1Gi": must not be negative',
  },
  {
    name: "rejects resources that are not a mapping",
    yaml: podYaml({ containers: [container({ resources: ["cpu"] })] }),
    reason: "spec.containers[0].resources must be a mapping, got a list",
  },
  {
    name: "rejects a quantity that is a mapping",
    yaml: podYaml({
      containers: [container({ resources: resources({ cpu: { value: 1 }, memory: "1Gi" }) })],
    }),
    reason:
      'spec.containers[0].resources.requests.cpu must be a quantity such as "100m" or "128Mi", got a mapping',
  },
  {
    name: "rejects a pod whose containers together request more memory than can be counted",
    yaml: podYaml({
      containers: [
        container({ resources: resources({ cpu: "1", memory: "7Pi" }) }),
        helper("sidecar", { resources: resources({ cpu: "1", memory: "7Pi" }) }),
      ],
    }),
    reason: "the pod requests more cpu or memory than can be counted",
  },
  // Ports
  {
    name: "rejects containerPort 0",
    yaml: podYaml({ containers: [container({ ports: [{ containerPort: 0 }] })] }),
    reason: "spec.containers[0].ports[0].containerPort must be an integer between 1 and 65535, got 0",
  },
  {
    name: "rejects containerPort above 65535",
    yaml: podYaml({ containers: [container({ ports: [{ containerPort: 70000 }] })] }),
    reason: "spec.containers[0].ports[0].containerPort must be an integer between 1 and 65535, got 70000",
  },
  {
    name: "rejects a containerPort written as a string",
    yaml: podYaml({ containers: [container({ ports: [{ containerPort: "80" }] })] }),
    reason: 'spec.containers[0].ports[0].containerPort must be an integer between 1 and 65535, got "80"',
  },
  {
    name: "rejects a port without containerPort",
    yaml: podYaml({ containers: [container({ ports: [{ name: "http" }] })] }),
    reason: "spec.containers[0].ports[0].containerPort must be an integer between 1 and 65535, got nothing",
  },
  {
    name: "rejects hostPort",
    yaml: podYaml({ containers: [container({ ports: [{ containerPort: 80, hostPort: 80 }] })] }),
    reason: "spec.containers[0].ports[0].hostPort must not be set",
  },
  {
    name: "rejects hostIP",
    yaml: podYaml({ containers: [container({ ports: [{ containerPort: 80, hostIP: "0.0.0.0" }] })] }),
    reason: "spec.containers[0].ports[0].hostIP must not be set",
  },
  // A port's name reaches the stack's endpoints: nothing but an IANA service name gets through.
  ...[
    "web\nx",
    "web app",
    "Web",
    "a-very-long-port-name",
    "-web",
    "web-",
    "we--b",
    "8080",
    "x.y",
    "web;x",
  ].map((name) => ({
    name: `rejects the port name ${JSON.stringify(name)}, which is no IANA service name`,
    yaml: podYaml({ containers: [container({ ports: [{ containerPort: 80, name }] })] }),
    reason: `spec.containers[0].ports[0].name must be an IANA service name (at most 15 lower-case letters, digits and '-', with a letter, no '--', no '-' at either end), got ${JSON.stringify(name)}`,
  })),
  {
    name: "rejects protocols other than TCP and UDP",
    yaml: podYaml({ containers: [container({ ports: [{ containerPort: 80, protocol: "SCTP" }] })] }),
    reason: 'spec.containers[0].ports[0].protocol must be TCP or UDP, got "SCTP"',
  },
  {
    name: "rejects a pod that exposes no port",
    yaml: podYaml({ containers: [container({ ports: undefined })] }),
    reason: "exactly one containerPort must be declared across all containers, found 0",
  },
  {
    name: "rejects more than one port across containers",
    yaml: podYaml({
      containers: [container(), container({ name: "metrics", ports: [{ containerPort: 9090 }] })],
    }),
    reason: "exactly one containerPort must be declared across all containers, found 2",
  },
  {
    name: "rejects a target_port that is not the containerPort",
    yaml: podYaml(),
    targetPort: 8080,
    reason: 'target_port 8080 does not match the containerPort 80 of container "app"',
  },
  {
    name: "rejects a port of the array form that no container declares with that protocol",
    yaml: podYaml(),
    targetPort: [{ containerPort: 80, protocol: "UDP" }],
    reason: "target_port[0]: no container declares UDP containerPort 80",
  },
  // Metadata
  {
    name: "rejects labels that are not strings",
    yaml: podYaml({ top: { metadata: { name: "x", labels: { tier: 1 } } } }),
    reason: "metadata.labels.tier must be a string, got a number",
  },
  {
    name: "rejects a metadata that is not a mapping",
    yaml: podYaml({ top: { metadata: "challenge" } }),
    reason: "metadata must be a mapping, got a string",
  },
];

// Document-level refusals (size, syntax, aliases, depth) are yaml-input.ts's, tested in pod-spec-document.test.ts.
const ruleTemplates = refusalTemplates(join(import.meta.dir, "../../../src/podspec"), ["yaml-input.ts"]);

/** The refusals of the hostile corpus (hostile-corpus.test.ts), which cover the allowlist's own templates. */
const corpusReasons = () =>
  Object.values(hostileCorpus)
    .flat()
    .filter((testCase) => testCase.reason !== undefined)
    .map((testCase) => rejectionOf(testCase.yaml, 80, testCase.policy).reason);

describe("sanitizePodSpec rejections", () => {
  it("has a case for every refusal the rules can give", () => {
    expect(ruleTemplates.length).toBeGreaterThan(0);
    const reasons = [
      ...rejected.map((testCase) => rejectionOf(testCase.yaml, testCase.targetPort).reason),
      ...corpusReasons(),
    ];
    const untested = templatesNotProduced(ruleTemplates, reasons).map(({ file, text }) => `${file}: ${text}`);
    expect(untested).toEqual([]);
  });

  for (const testCase of rejected) {
    it(testCase.name, () => {
      const error = rejectionOf(testCase.yaml, testCase.targetPort);
      if (typeof testCase.reason === "string") expect(error.reason).toBe(testCase.reason);
      else expect(error.reason).toMatch(testCase.reason);
      expect(error.message).toBe(`invalid pod spec: ${error.reason}`);
    });
  }

  it("gives each rejection the INVALID_POD_SPEC code and status 400", () => {
    const error = rejectionOf("");
    expect(error).toBeInstanceOf(InvalidPodSpecError);
    expect(error.code).toBe("INVALID_POD_SPEC");
    expect(error.status).toBe(400);
  });
});

describe("target_port", () => {
  it.each([0, -1, 65536, 80.5, Number.NaN])(
    "rejects target_port %p before reading the YAML",
    (targetPort) => {
      expect(() => rejectionOf("not: [valid", targetPort)).toThrow(InvalidTargetPortError);
      expect(() => rejectionOf("not: [valid", targetPort)).toThrow(
        "invalid target_port: must be between 1 and 65535",
      );
    },
  );

  it("throws an error with the INVALID_TARGET_PORT code and status 400", () => {
    let thrown: unknown;
    try {
      sanitizePodSpec(podYaml(), 0);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidTargetPortError);
    expect(thrown).toMatchObject({ code: "INVALID_TARGET_PORT", status: 400 });
  });
});

describe("target_port as a list of ports (v1.2)", () => {
  const dnsAndWeb = podYaml({
    containers: [
      container({
        ports: [
          { containerPort: 53, protocol: "TCP" },
          { containerPort: 53, protocol: "UDP" },
        ],
      }),
      container({ name: "web", ports: [{ containerPort: 8080 }] }),
    ],
  });

  it("exposes any subset of the declared ports, in request order, TCP and UDP of one number apart", () => {
    const result = sanitizePodSpec(dnsAndWeb, [
      { containerPort: 8080, protocol: "TCP" },
      { containerPort: 53, protocol: "UDP" },
      { containerPort: 53, protocol: "TCP" },
    ]);
    expect(result.exposedPorts.map(({ containerPort, protocol }) => `${containerPort}/${protocol}`)).toEqual([
      "8080/TCP",
      "53/UDP",
      "53/TCP",
    ]);
    expect(sanitizePodSpec(dnsAndWeb, [{ containerPort: 53, protocol: "UDP" }]).exposedPorts).toHaveLength(1);
  });

  it.each<[string, ExposeRequest, string]>([
    ["an empty list", [], "invalid target_port: must list 1 to 24 ports, got 0"],
    [
      "25 ports",
      Array.from({ length: 25 }, (_, index) => ({ containerPort: 1000 + index, protocol: "TCP" as const })),
      "invalid target_port: must list 1 to 24 ports, got 25",
    ],
    [
      "a port out of range",
      [{ containerPort: 70000, protocol: "TCP" }],
      "invalid target_port: target_port[0].container_port must be between 1 and 65535",
    ],
    [
      "the same port and protocol twice",
      [
        { containerPort: 53, protocol: "UDP" },
        { containerPort: 53, protocol: "UDP" },
      ],
      "invalid target_port: target_port[1] repeats UDP port 53",
    ],
  ])("refuses %s before reading the YAML", (_name, expose, message) => {
    expect(() => sanitizePodSpec("not: [valid", expose)).toThrow(message);
  });

  it("refuses a listed port that no container declares with that protocol", () => {
    expect(() => sanitizePodSpec(dnsAndWeb, [{ containerPort: 8080, protocol: "UDP" }])).toThrow(
      "invalid pod spec: target_port[0]: no container declares UDP containerPort 8080",
    );
  });
});
