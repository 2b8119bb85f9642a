import { describe, expect, it } from "bun:test";
import type { V1Pod } from "@kubernetes/client-node";
import { createActor } from "xstate";
import { stackMachine } from "../../../machines/stack.machine.ts";
import type { StackIdentity } from "../../../machines/stack.types.ts";
import { podStateOf, stackFromService, stacksFromCluster } from "../../../src/cluster/cluster-records.ts";
import { ClusterView } from "../../../src/cluster/cluster-view.ts";
import {
  annotationsOf,
  DurableRecord,
  decodeService,
  expiryPatchOf,
  terminalPatchOf,
} from "../../../src/cluster/record-codec.ts";
import { stackPod, stackService } from "../../../src/cluster/stack-resources.ts";
import { sanitizePodSpec } from "../../../src/podspec/sanitize-pod-spec.ts";
import { stackEnvOf, withStackEnv } from "../../../src/podspec/stack-env.ts";
import {
  apiRecordOf,
  identityOf,
  nodePortsOf,
  sameStoredStack,
  storedStackOf,
} from "../../../src/stacks/stack-record.ts";
import { statusRecordOf } from "../../../src/stacks/status-record.ts";
import { upgradeStoredRecord } from "../../../src/store/legacy-records.ts";

const stackId = "stack-00000000000000aa";
const nodes = { has: (name: string) => name === "node-1", externalIp: () => "203.0.113.7" };
const now = Date.parse("2026-11-28T21:00:00.000Z");

const identityOfForm = (form: "v1.1" | "v1.2"): StackIdentity => ({
  stackId,
  namespace: "stacks",
  podName: stackId,
  serviceName: `svc-${stackId}`,
  ports:
    form === "v1.1"
      ? [{ containerPort: 80, protocol: "TCP" }]
      : [
          { containerPort: 53, protocol: "TCP" },
          { containerPort: 53, protocol: "UDP" },
        ],
  targetPort: form === "v1.1" ? 80 : null,
  labels: form === "v1.1" ? {} : { team: "7", challenge: "dns" },
  podSpecYaml: "apiVersion: v1\nkind: Pod\n",
  createdAt: Date.parse("2026-11-28T20:00:00.000Z"),
  ttlExpiresAt: Date.parse("2026-11-28T22:00:00.000Z"),
  requestedCpuMilli: 100,
  requestedMemoryBytes: 1024,
});

/** The record the leader's actor keeps of a running stack. */
function leaderRecord(identity: StackIdentity, nodePorts: number[]) {
  const actor = createActor(stackMachine, {
    input: {
      identity,
      nodePorts,
      resume: {
        status: "running",
        nodeName: "node-1",
        nodePublicIp: "203.0.113.7",
        reason: null,
        updatedAt: now,
        acknowledged: true,
      },
    },
  });
  actor.start();
  const stored = storedStackOf(actor.getSnapshot().context, "running");
  actor.stop();
  return stored;
}

const readyPod = (identity: StackIdentity): V1Pod => ({
  ...stackPod({ spec: { containers: [] } }, identity, { nodeRole: "stack", instance: "stackd" }),
  spec: { containers: [], nodeName: "node-1" },
  status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
});

describe("the stack record rebuilt from the cluster", () => {
  for (const form of ["v1.1", "v1.2"] as const) {
    it(`is the leader's record for a ${form} stack (ports, labels, target_port), so a follower or a new leader serves the same`, () => {
      const identity = identityOfForm(form);
      const nodePorts = form === "v1.1" ? [31001] : [31001, 31002];
      const leader = leaderRecord(identity, nodePorts);
      const service = stackService(identity, nodePorts, "stackd");
      const pod = readyPod(identity);
      const rebuilt = stackFromService(service, podStateOf(pod, nodes), now);
      expect(rebuilt).toEqual(leader);
      expect(sameStoredStack(rebuilt, leader)).toBe(true);
      expect(stacksFromCluster([service], [pod], new Set(), now, nodes)).toEqual([leader]);
      const view = new ClusterView(nodes, () => now);
      view.services([service]);
      view.pods([pod]);
      expect(view.get(stackId)).toEqual(leader);
      expect(identityOf(leader)).toEqual(identity);
      expect(nodePortsOf(leader)).toEqual(nodePorts);
    });
  }

  it("answers a v1.1 stack with target_port and node_port and its one port; a v1.2 stack with ports only", () => {
    const v11 = apiRecordOf(leaderRecord(identityOfForm("v1.1"), [31001]));
    expect(v11).toMatchObject({ target_port: 80, node_port: 31001, labels: {} });
    expect(v11.ports).toEqual([{ container_port: 80, protocol: "TCP", node_port: 31001 }]);
    expect(Object.keys(v11).slice(0, 16)).toEqual([
      "stack_id",
      "pod_id",
      "namespace",
      "node_id",
      "node_public_ip",
      "pod_spec",
      "target_port",
      "node_port",
      "service_name",
      "status",
      "status_reason",
      "ttl_expires_at",
      "created_at",
      "updated_at",
      "requested_cpu_milli",
      "requested_memory_bytes",
    ]);
    expect(Object.keys(statusRecordOf(v11))).toEqual([
      "stack_id",
      "status",
      "ttl",
      "node_port",
      "target_port",
      "node_public_ip",
    ]);
    const v12 = apiRecordOf(leaderRecord(identityOfForm("v1.2"), [31001, 31002]));
    expect("target_port" in v12 || "node_port" in v12).toBe(false);
    expect(v12.ports).toEqual([
      { container_port: 53, protocol: "TCP", node_port: 31001 },
      { container_port: 53, protocol: "UDP", node_port: 31002 },
    ]);
    expect(v12.labels).toEqual({ team: "7", challenge: "dns" });
    expect("target_port" in statusRecordOf(v12)).toBe(false);
  });

  it("sets the labels on the Pod under label.stackd.io/, and names the Service ports p-<port>-<proto>", () => {
    const identity = identityOfForm("v1.2");
    expect(readyPod(identity).metadata?.labels).toMatchObject({
      "label.stackd.io/team": "7",
      "label.stackd.io/challenge": "dns",
    });
    expect(stackService(identity, [31001, 31002], "stackd").spec?.ports?.map((port) => port.name)).toEqual([
      "p-53-tcp",
      "p-53-udp",
    ]);
    expect(stackService(identityOfForm("v1.1"), [31001], "stackd").spec?.ports?.[0]?.name).toBe("stack");
  });

  it("reads a Service written before ports and labels existed as one port with no labels", () => {
    const identity = identityOfForm("v1.1");
    const service = stackService(identity, [31001], "stackd");
    const annotations = service.metadata?.annotations ?? {};
    const { ports: _ports, labels: _labels, ...old } = JSON.parse(annotations["stackd.io/record"] ?? "{}");
    annotations["stackd.io/record"] = JSON.stringify(old);
    const rebuilt = stackFromService(service, podStateOf(readyPod(identity), nodes), now);
    expect(rebuilt?.ports).toEqual([{ container_port: 80, protocol: "TCP", node_port: 31001 }]);
    expect(rebuilt?.labels).toEqual({});
  });

  it("brings a stored row written before ports and labels to today's schema, with the protocol of its spec", () => {
    const { ports: _ports, labels: _labels, ...old } = leaderRecord(identityOfForm("v1.1"), [31001]);
    const udpSpec =
      "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    ports:\n    - containerPort: 80\n      protocol: UDP\n";
    expect(upgradeStoredRecord({ ...old, pod_spec: udpSpec })).toMatchObject({
      ports: [{ container_port: 80, protocol: "UDP", node_port: 31001 }],
      labels: {},
    });
  });
});

describe("the record codec (stackd.io/* annotations)", () => {
  /** A Service carrying `annotations` and the NodePorts of `identity`'s ports. */
  const serviceWith = (identity: StackIdentity, nodePorts: number[], annotations: Record<string, string>) => {
    const service = stackService(identity, nodePorts, "stackd");
    return { ...service, metadata: { ...service.metadata, annotations } };
  };
  const mergePatch = (into: Record<string, string>, patch: { metadata: { annotations: object } }) => ({
    ...into,
    ...(patch.metadata.annotations as Record<string, string>),
  });

  for (const form of ["v1.1", "v1.2"] as const) {
    it(`gives back every durable field of a ${form} record it encoded`, () => {
      const identity = identityOfForm(form);
      const record = leaderRecord(identity, [31001, 31002].slice(0, identity.ports.length));
      const decoded = decodeService(serviceWith(identity, [], annotationsOf(record)));
      if (!decoded) throw new Error("the encoded record was not read back");
      for (const key of Object.keys(DurableRecord.properties) as Array<keyof DurableRecord>) {
        const expected =
          key === "ports"
            ? record.ports.map(({ node_port: _nodePort, ...port }) => port)
            : (record as Record<string, unknown>)[key];
        expect({ key, value: decoded.durable[key] }).toEqual({ key, value: expected as never });
      }
      expect(decoded.ttlExpiresAt).toBe(record.ttl_expires_at);
      expect(decoded.terminal).toBeUndefined();
    });
  }

  it("reads back the terminal status and a later expiry that its patches wrote, and ignores an earlier one", () => {
    const identity = identityOfForm("v1.2");
    const record = leaderRecord(identity, [31001, 31002]);
    const terminal = { status: "failed" as const, reason: "exit 1", at: "2026-11-28T21:30:00.000Z" };
    const later = Date.parse(record.ttl_expires_at) + 3_600_000;
    let annotations = mergePatch(annotationsOf(record), terminalPatchOf(terminal));
    annotations = mergePatch(annotations, expiryPatchOf(later));
    const decoded = decodeService(serviceWith(identity, [31001, 31002], annotations));
    expect(decoded?.terminal).toEqual(terminal);
    expect(decoded?.ttlExpiresAt).toBe(new Date(later).toISOString());
    const earlier = mergePatch(annotationsOf(record), expiryPatchOf(Date.parse(record.ttl_expires_at) - 1));
    expect(decodeService(serviceWith(identity, [], earlier))?.ttlExpiresAt).toBe(record.ttl_expires_at);
  });

  it("reads nothing from a Service without a record, or with one that is not JSON or not a record", () => {
    const identity = identityOfForm("v1.1");
    expect(decodeService(serviceWith(identity, [], {}))).toBeUndefined();
    expect(decodeService(serviceWith(identity, [], { "stackd.io/record": "{oops" }))).toBeUndefined();
    expect(
      decodeService(serviceWith(identity, [], { "stackd.io/record": JSON.stringify({ pod_spec: 1 }) })),
    ).toBeUndefined();
  });
});

describe("per-stack env", () => {
  const spec = [
    "apiVersion: v1",
    "kind: Pod",
    "spec:",
    "  initContainers: [{name: init, image: busybox, resources: {limits: {cpu: 10m, memory: 8Mi}}}]",
    "  containers:",
    "  - name: app",
    "    image: nginx",
    "    env: [{name: MODE, value: ctf}]",
    "    ports: [{containerPort: 80}]",
    "    resources: {limits: {cpu: 100m, memory: 64Mi}}",
  ].join("\n");

  it("goes into every container of the Pod to create, never into pod_spec, and is read back from the Pod", () => {
    const sanitised = sanitizePodSpec(spec, 80);
    const pod = withStackEnv(sanitised.pod, { FLAG: "flag{a}", TEAM: "7" });
    expect(sanitised.yaml).not.toContain("flag{a}");
    const containers = [
      ...(pod.spec.initContainers as never[]),
      ...(pod.spec.containers as never[]),
    ] as Array<{
      env: Array<{ name: string }>;
    }>;
    for (const container of containers)
      expect(container.env.map((variable) => variable.name)).toContain("FLAG");
    expect(stackEnvOf(pod as never)).toEqual({ FLAG: "flag{a}", TEAM: "7" });
    expect(stackEnvOf(sanitised.pod as never)).toBeNull();
    expect(withStackEnv(sanitised.pod, {})).toBe(sanitised.pod);
  });
});
