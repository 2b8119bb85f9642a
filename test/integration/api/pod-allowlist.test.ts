import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { V1Pod } from "@kubernetes/client-node";
import type { StackIdentity } from "../../../machines/stack.types.ts";
import { stackPod } from "../../../src/cluster/stack-resources.ts";
import { defaultInstance } from "../../../src/config/config.ts";
import { KubeApiError } from "../../../src/kube/errors.ts";
import type { TypedKubeClient } from "../../../src/kube/typed-api.ts";
import { defaultPodPolicy, type PodPolicy, sanitizePodSpec } from "../../../src/podspec/sanitize-pod-spec.ts";
import { createTestNamespace, deleteTestNamespace, testKubeClient } from "../../helpers/cluster.ts";
import { contractPodSpec, startTestStackd, type TestStackd } from "../../helpers/stackd.ts";
import { app, arrivalCases, specYaml } from "./pod-allowlist-cases.ts";

const kube = testKubeClient();
const priorityFields = ["priority", "priorityClassName", "preemptionPolicy"];

/** A client for stackd that records every Pod it sends, so a test can see what left stackd. */
function recordingClient(): { client: TypedKubeClient; sentPods: V1Pod[] } {
  const client = testKubeClient();
  const sentPods: V1Pod[] = [];
  // Every request of stackd goes through fetchUrl, its fenced view's too (it sends through this transport).
  const fetchUrl = client.transport.fetchUrl.bind(client.transport);
  client.transport.fetchUrl = (url, init) => {
    if (init.method === "POST" && new URL(url).pathname.endsWith("/pods"))
      sentPods.push(JSON.parse(String(init.body)) as V1Pod);
    return fetchUrl(url, init);
  };
  return { client, sentPods };
}

/** A fresh namespace whose Pod Security Admission enforces `level`. */
async function namespaceEnforcing(level: "baseline" | "restricted"): Promise<string> {
  const namespace = await createTestNamespace(kube, `psa-${level}`);
  await kube.core.patchNamespace({
    name: namespace,
    body: [{ op: "add", path: "/metadata/labels/pod-security.kubernetes.io~1enforce", value: level }],
  });
  return namespace;
}

const recording = recordingClient();
let service: TestStackd;
let restrictedNamespace = "";

beforeAll(async () => {
  const baselineNamespace = await namespaceEnforcing("baseline");
  service = await startTestStackd(recording.client, {}, { namespace: baselineNamespace });
  restrictedNamespace = await namespaceEnforcing("restricted");
});

afterAll(async () => {
  await service.stop();
  await deleteTestNamespace(kube, service.namespace);
  await deleteTestNamespace(kube, restrictedNamespace);
});

/** Creates a stack through stackd and reads its Pod back from the API server. */
async function podOfNewStack(yaml: string, targetPort = 80): Promise<V1Pod> {
  const created = await service.call("POST", "/stacks", { target_port: targetPort, pod_spec: yaml });
  expect(created).toMatchObject({ status: 201 });
  return kube.core.readNamespacedPod({ name: created.body.stack_id, namespace: service.namespace });
}

/** Sanitises with `policy` and creates the Pod stackd would create, directly, in the restricted namespace. */
async function createWithPolicy(name: string, yaml: string, policy: Partial<PodPolicy>): Promise<V1Pod> {
  const sanitised = sanitizePodSpec(yaml, 80, { ...defaultPodPolicy, ...policy });
  const identity: StackIdentity = {
    stackId: name,
    namespace: restrictedNamespace,
    podName: name,
    serviceName: `svc-${name}`,
    ports: [{ containerPort: 80, protocol: "TCP" }],
    targetPort: 80,
    labels: {},
    podSpecYaml: sanitised.yaml,
    createdAt: Date.now(),
    ttlExpiresAt: Date.now() + 3_600_000,
    requestedCpuMilli: sanitised.requestedCpuMilli,
    requestedMemoryBytes: sanitised.requestedMemoryBytes,
  };
  const pod = stackPod(sanitised.pod as unknown as V1Pod, identity, {
    nodeRole: "stack",
    instance: defaultInstance,
  });
  return kube.core.createNamespacedPod({ namespace: restrictedNamespace, body: pod });
}

async function refusal(create: () => Promise<unknown>): Promise<KubeApiError> {
  const outcome = await create().then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof KubeApiError))
    throw new Error(`expected the API server to refuse, got ${String(outcome)}`);
  return outcome;
}

describe("accepted pod specs arrive in the real Pod (baseline namespace, through stackd)", () => {
  it("creates the contract's example with stackd's forced fields and the capped grace period", async () => {
    const pod = await podOfNewStack(contractPodSpec);
    expect(pod.spec).toMatchObject({
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      enableServiceLinks: false,
    });
    expect(pod.spec?.terminationGracePeriodSeconds).toBe(5);
    // What did not arrive: only the API server's own defaults are there.
    expect(pod.metadata?.annotations).toBeUndefined();
    expect(pod.spec?.tolerations?.map((toleration) => toleration.tolerationSeconds)).toEqual([300, 300]);
    expect(pod.spec).toMatchObject({ dnsPolicy: "ClusterFirst", schedulerName: "default-scheduler" });
    expect(pod.spec?.volumes).toBeUndefined();
    expect(pod.spec?.securityContext).toEqual({ seccompProfile: { type: "RuntimeDefault" } });
    expect(app(pod).securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      seccompProfile: { type: "RuntimeDefault" },
    });
  });

  for (const testCase of arrivalCases) {
    it(`keeps ${testCase.name}`, async () => {
      testCase.check(await podOfNewStack(testCase.yaml, testCase.targetPort));
    });
  }

  it("is enforcing baseline: the API server refuses a hostNetwork pod stackd would never send", async () => {
    const error = await refusal(() =>
      kube.core.createNamespacedPod({
        namespace: service.namespace,
        body: {
          metadata: { name: "host" },
          spec: { hostNetwork: true, containers: [{ name: "a", image: "busybox" }] },
        },
      }),
    );
    expect(error.status).toBe(403);
    expect(error.message).toContain('violates PodSecurity "baseline:latest"');
  });
});

describe("the preemption attack", () => {
  it("refuses priorityClassName system-node-critical with 400 and creates nothing", async () => {
    const before = (await kube.core.listNamespacedPod({ namespace: service.namespace })).items.length;
    const created = await service.call("POST", "/stacks", {
      target_port: 80,
      pod_spec: specYaml({ spec: { priorityClassName: "system-node-critical" } }),
    });
    expect(created).toEqual({
      status: 400,
      body: { error: "invalid pod spec: spec: priorityClassName is not allowed" },
    });
    expect((await kube.core.listNamespacedPod({ namespace: service.namespace })).items).toHaveLength(before);
  });

  it("never sent a priority field, so every stack runs at the default priority", async () => {
    expect(recording.sentPods.length).toBeGreaterThanOrEqual(arrivalCases.length);
    for (const sent of recording.sentPods) {
      for (const field of priorityFields) expect(sent.spec).not.toHaveProperty(field);
    }
    const pods = (await kube.core.listNamespacedPod({ namespace: service.namespace })).items;
    for (const pod of pods) {
      expect(pod.spec?.priority ?? 0).toBe(0);
      expect(pod.spec?.priorityClassName).toBeUndefined();
    }
  });
});

describe("restricted mode and operator opt-ins (restricted namespace, the Pod stackd would send)", () => {
  it("is admitted by the restricted profile, with non-root, no capabilities and a read-only root", async () => {
    const pod = await createWithPolicy("restricted", contractPodSpec, { podSecurity: "restricted" });
    expect(pod.spec?.securityContext).toEqual({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(app(pod).securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      seccompProfile: { type: "RuntimeDefault" },
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
      readOnlyRootFilesystem: true,
    });
  });

  it("is admitted with the read-only root filesystem opted out, and a sidecar", async () => {
    const yaml = specYaml({
      app: { securityContext: { readOnlyRootFilesystem: false } },
      spec: {
        initContainers: [
          {
            name: "proxy",
            image: "busybox",
            restartPolicy: "Always",
            resources: { limits: { cpu: "50m", memory: "32Mi" } },
          },
        ],
      },
    });
    const pod = await createWithPolicy("writable", yaml, { podSecurity: "restricted" });
    expect(app(pod).securityContext?.readOnlyRootFilesystem).toBe(false);
    expect(pod.spec?.initContainers?.[0]?.securityContext?.capabilities).toEqual({ drop: ["ALL"] });
  });

  it("keeps annotations, ConfigMaps and pull secrets the operator allows", async () => {
    const yaml = specYaml({
      metadata: { annotations: { "ctf.example.com/points": "100" } },
      app: {
        envFrom: [{ configMapRef: { name: "challenge-config" } }],
        volumeMounts: [{ name: "config", mountPath: "/config" }],
      },
      spec: {
        imagePullSecrets: [{ name: "registry" }],
        volumes: [{ name: "config", configMap: { name: "challenge-config", optional: true } }],
      },
    });
    const policy = {
      podSecurity: "restricted" as const,
      annotationPrefixes: ["ctf.example.com/"],
      allowConfigMaps: true,
      allowedPullSecrets: ["registry"],
    };
    const pod = await createWithPolicy("opt-ins", yaml, policy);
    expect(pod.metadata?.annotations).toEqual({ "ctf.example.com/points": "100" });
    expect(pod.spec?.imagePullSecrets).toEqual([{ name: "registry" }]);
    expect(pod.spec?.volumes?.[0]?.configMap?.name).toBe("challenge-config");
    expect(app(pod).envFrom).toEqual([{ configMapRef: { name: "challenge-config" } }]);
  });

  it("is enforcing restricted: the API server refuses the baseline mode's pod", async () => {
    const error = await refusal(() =>
      createWithPolicy("baseline-pod", contractPodSpec, { podSecurity: "baseline" }),
    );
    expect(error.status).toBe(403);
    expect(error.message).toContain('violates PodSecurity "restricted:latest"');
  });
});
