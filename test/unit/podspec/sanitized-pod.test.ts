import { describe, expect, it } from "bun:test";
import { parse } from "yaml";
import {
  defaultPodPolicy,
  type PodPolicy,
  type SanitizedPodSpec,
  sanitizePodSpec,
} from "../../../src/podspec/sanitize-pod-spec.ts";
import {
  container,
  containersOf,
  contractPodSpec,
  contractSanitizedYaml,
  helper,
  podYaml,
  resourcesOf,
} from "./pod-spec-fixtures.ts";

const withResources = (requests?: Record<string, unknown>, limits?: Record<string, unknown>) =>
  podYaml({ containers: [container({ resources: { requests, limits } })] });

interface AcceptedCase {
  name: string;
  yaml: string;
  targetPort?: number;
  policy?: Partial<PodPolicy>;
  check: (result: SanitizedPodSpec) => void;
}

const accepted: AcceptedCase[] = [
  {
    name: "accepts several containers and init containers",
    yaml: podYaml({
      containers: [container(), helper("sidecar")],
      spec: { initContainers: [helper("migrate"), helper("seed")] },
    }),
    check: (result) => {
      expect(containersOf(result).map((entry) => entry.name)).toEqual(["app", "sidecar"]);
      expect(containersOf(result, "initContainers").map((entry) => entry.name)).toEqual(["migrate", "seed"]);
    },
  },
  {
    // Secret and persistentVolumeClaim volumes were accepted before the allowlist; they are refused now.
    name: "accepts emptyDir, downwardAPI and projected volumes, and configMap ones when the policy allows",
    policy: { allowConfigMaps: true },
    yaml: podYaml({
      spec: {
        volumes: [
          { name: "scratch", emptyDir: {} },
          { name: "config", configMap: { name: "app-config" } },
          {
            name: "facts",
            downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] },
          },
          { name: "bundle", projected: { sources: [{ configMap: { name: "c" } }] } },
        ],
      },
    }),
    check: (result) => expect(result.pod.spec.volumes).toHaveLength(4),
  },
  {
    // Tolerations, unknown fields and any imagePullSecrets were kept before the allowlist; they are refused now.
    name: "keeps nodeAffinity, nodeSelector, allowed imagePullSecrets and a short grace period",
    policy: { allowedPullSecrets: ["registry"] },
    yaml: podYaml({
      spec: {
        affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } },
        nodeSelector: { "disk-type": "ssd" },
        imagePullSecrets: [{ name: "registry" }],
        terminationGracePeriodSeconds: 3,
      },
    }),
    check: (result) => {
      expect(result.pod.spec.nodeSelector).toEqual({ "disk-type": "ssd" });
      expect(result.pod.spec.imagePullSecrets).toEqual([{ name: "registry" }]);
      expect(result.pod.spec.affinity).toBeDefined();
      expect(result.pod.spec.terminationGracePeriodSeconds).toBe(3);
    },
  },
  {
    name: "keeps env, command and args",
    yaml: podYaml({
      containers: [
        container({ env: [{ name: "MODE", value: "ctf" }], command: ["nginx"], args: ["-g", "daemon off;"] }),
      ],
    }),
    check: (result) => {
      expect(containersOf(result)[0]).toMatchObject({
        env: [{ name: "MODE", value: "ctf" }],
        command: ["nginx"],
        args: ["-g", "daemon off;"],
      });
    },
  },
  {
    // Any annotation was kept before the allowlist; only those under the policy's prefixes are now.
    name: "keeps the user's name, labels and allowed annotations and drops other metadata",
    policy: { annotationPrefixes: ["example.com/"] },
    yaml: podYaml({
      top: {
        metadata: {
          name: "web",
          namespace: "kube-system",
          finalizers: ["example.com/block"],
          labels: { tier: "web" },
          annotations: { "example.com/note": "hi" },
        },
      },
    }),
    check: (result) => {
      expect(result.pod.metadata).toEqual({
        name: "web",
        labels: { tier: "web" },
        annotations: { "example.com/note": "hi" },
      });
    },
  },
  {
    name: "accepts hostNetwork, hostPID and hostIPC set to false",
    yaml: podYaml({ spec: { hostNetwork: false, hostPID: false, hostIPC: false } }),
    check: (result) => expect(result.pod.spec.hostNetwork).toBe(false),
  },
  {
    name: "accepts a null securityContext and empty identity fields as unset",
    yaml: podYaml({
      spec: { securityContext: null, serviceAccountName: "", nodeName: null, ephemeralContainers: [] },
    }),
    check: (result) =>
      expect(result.pod.spec.securityContext).toEqual({ seccompProfile: { type: "RuntimeDefault" } }),
  },
  {
    name: "fills in protocol TCP when the port has none",
    yaml: podYaml(),
    check: (result) => {
      expect(containersOf(result)[0]?.ports).toEqual([{ containerPort: 80, protocol: "TCP" }]);
      expect(result.exposedPort).toEqual({ containerPort: 80, protocol: "TCP", containerName: "app" });
    },
  },
  {
    name: "exposes a UDP port from any container",
    yaml: podYaml({
      containers: [
        container({ ports: [] }),
        container({ name: "dns", ports: [{ containerPort: 53, protocol: "UDP", name: "dns" }] }),
      ],
    }),
    targetPort: 53,
    check: (result) =>
      expect(result.exposedPort).toEqual({
        containerPort: 53,
        protocol: "UDP",
        containerName: "dns",
        name: "dns",
      }),
  },
  {
    name: "accepts a trailing empty YAML document",
    yaml: `${podYaml()}---\n`,
    check: (result) => expect(result.pod.kind).toBe("Pod"),
  },
  {
    name: "accepts a JSON pod spec",
    yaml: JSON.stringify(parse(podYaml())),
    check: (result) => expect(result.requestedCpuMilli).toBe(100),
  },
  {
    name: "expands aliases within the limit and writes no anchors",
    yaml: podYaml()
      .replace("resources:\n", "resources: &r\n")
      .concat("  initContainers:\n    - name: init\n      image: busybox\n      resources: *r\n"),
    check: (result) => {
      expect(containersOf(result, "initContainers")[0]?.resources).toEqual(resourcesOf(result));
      expect(result.yaml).not.toContain("&");
      expect(result.yaml).not.toContain("*");
    },
  },
];

describe("sanitizePodSpec accepts", () => {
  for (const testCase of accepted) {
    it(testCase.name, () => {
      const result = sanitizePodSpec(testCase.yaml, testCase.targetPort ?? 80, {
        ...defaultPodPolicy,
        ...testCase.policy,
      });
      testCase.check(result);
      expect(parse(result.yaml)).toEqual(result.pod);
    });
  }
});

describe("the API contract example", () => {
  // The allowlist adds one line to the contract's answer: a grace period of the policy's cap (5 s), so that a
  // deleted stack frees its quota quickly.
  it("returns the contract's pod_spec byte for byte, with the capped grace period added", () => {
    const withGrace = contractSanitizedYaml.replace(
      "status: {}\n",
      "  terminationGracePeriodSeconds: 5\nstatus: {}\n",
    );
    expect(sanitizePodSpec(contractPodSpec, 80).yaml).toBe(withGrace);
  });

  it("reports the contract's requested amounts", () => {
    const result = sanitizePodSpec(contractPodSpec, 80);
    expect(result.requestedCpuMilli).toBe(100);
    expect(result.requestedMemoryBytes).toBe(134_217_728);
  });
});

describe("resource normalisation", () => {
  it.each<[string, Record<string, unknown> | undefined, Record<string, unknown> | undefined, string, string]>(
    [
      ["a request only", { cpu: "250m", memory: "64Mi" }, undefined, "250m", "64Mi"],
      ["a limit only", undefined, { cpu: "1", memory: "1Gi" }, "1", "1Gi"],
      [
        "a limit above the request",
        { cpu: "100m", memory: "64Mi" },
        { cpu: "500m", memory: "256Mi" },
        "500m",
        "256Mi",
      ],
      ["a request above the limit", { cpu: "2", memory: "1Gi" }, { cpu: "1", memory: "512Mi" }, "2", "1Gi"],
      ["numbers and fractions", { cpu: 0.5, memory: 134217728 }, undefined, "500m", "134217728"],
      ["decimal suffixes", { cpu: "1500m", memory: "1G" }, { memory: "500M" }, "1500m", "1G"],
      ["the format of the larger value", { memory: "1000M" }, { memory: "1Gi" }, "100m", "1Gi"],
      ["fractional binary values", { cpu: "100m", memory: "1.5Gi" }, undefined, "100m", "1536Mi"],
    ],
  )("sets request = limit = the larger for %s", (_, requests, limits, cpu, memory) => {
    const withCpu =
      requests?.cpu === undefined && limits?.cpu === undefined ? { ...requests, cpu: "100m" } : requests;
    const result = sanitizePodSpec(withResources(withCpu, limits), 80);
    expect(resourcesOf(result)).toEqual({
      requests: { ...withCpu, cpu, memory },
      limits: { ...limits, cpu, memory },
    });
  });

  // Extended resources were kept before the allowlist; only ephemeral-storage is now (see the hostile corpus).
  it("keeps ephemeral-storage as given", () => {
    const requests = { cpu: "100m", memory: "64Mi", "ephemeral-storage": "1Gi" };
    const result = sanitizePodSpec(withResources(requests, { "ephemeral-storage": "2Gi" }), 80);
    expect(resourcesOf(result)).toEqual({
      requests: { cpu: "100m", memory: "64Mi", "ephemeral-storage": "1Gi" },
      limits: { cpu: "100m", memory: "64Mi", "ephemeral-storage": "2Gi" },
    });
  });
});

describe("requested amounts", () => {
  const cpu = (milli: number, memoryMi: number) => ({
    resources: { limits: { cpu: `${milli}m`, memory: `${memoryMi}Mi` } },
  });

  it("sums the containers when that is larger than any init container", () => {
    const yaml = podYaml({
      containers: [container(cpu(300, 100)), helper("worker", cpu(200, 50))],
      spec: { initContainers: [helper("init", cpu(400, 120))] },
    });
    const result = sanitizePodSpec(yaml, 80);
    expect([result.requestedCpuMilli, result.requestedMemoryBytes]).toEqual([500, 150 * 1024 * 1024]);
  });

  it("takes the largest init container when that is larger than the sum", () => {
    const yaml = podYaml({
      containers: [container(cpu(100, 64))],
      spec: { initContainers: [helper("small", cpu(200, 32)), helper("big", cpu(1000, 512))] },
    });
    const result = sanitizePodSpec(yaml, 80);
    expect([result.requestedCpuMilli, result.requestedMemoryBytes]).toEqual([1000, 512 * 1024 * 1024]);
  });

  it("counts sidecar init containers (restartPolicy Always) alongside the containers", () => {
    const yaml = podYaml({
      containers: [container(cpu(100, 64))],
      spec: {
        initContainers: [
          helper("proxy", { ...cpu(50, 32), restartPolicy: "Always" }),
          helper("init", cpu(120, 16)),
        ],
      },
    });
    const result = sanitizePodSpec(yaml, 80);
    expect([result.requestedCpuMilli, result.requestedMemoryBytes]).toEqual([170, 96 * 1024 * 1024]);
  });
});

describe("forced fields", () => {
  const result = sanitizePodSpec(
    podYaml({
      spec: {
        restartPolicy: "Always",
        automountServiceAccountToken: true,
        enableServiceLinks: true,
        initContainers: [helper("init")],
      },
      top: { status: { phase: "Running" } },
    }),
    80,
  );
  const forcedContainerContext = {
    allowPrivilegeEscalation: false,
    privileged: false,
    seccompProfile: { type: "RuntimeDefault" },
  };

  it("overrides restartPolicy, automountServiceAccountToken and enableServiceLinks", () => {
    expect(result.pod.spec).toMatchObject({
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      enableServiceLinks: false,
    });
  });

  it("sets the pod seccomp profile to RuntimeDefault", () => {
    expect(result.pod.spec.securityContext).toEqual({ seccompProfile: { type: "RuntimeDefault" } });
  });

  it("sets a locked-down securityContext on every container and init container", () => {
    expect(containersOf(result)[0]?.securityContext).toEqual(forcedContainerContext);
    expect(containersOf(result, "initContainers")[0]?.securityContext).toEqual(forcedContainerContext);
  });

  it("replaces the user's status with an empty one and writes it last", () => {
    expect(result.pod.status).toEqual({});
    expect(result.yaml.endsWith("status: {}\n")).toBe(true);
  });
});
