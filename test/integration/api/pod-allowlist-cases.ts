import { expect } from "bun:test";
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import { stringify } from "yaml";

/** An accepted pod spec and what must have arrived in the Pod the API server stored. */
export interface ArrivalCase {
  name: string;
  yaml: string;
  targetPort?: number;
  check: (pod: V1Pod) => void;
}

const resources = { limits: { cpu: "100m", memory: "64Mi" } };
const digest = `sha256:${"0".repeat(64)}`;

/** A pod spec: the app container exposing 80 (with `app` merged in) and `spec` merged into the spec. */
export function specYaml(
  options: {
    app?: Record<string, unknown>;
    spec?: Record<string, unknown>;
    metadata?: Record<string, unknown>;
  } = {},
) {
  const app = {
    name: "app",
    image: "nginx:stable",
    ports: [{ containerPort: 80 }],
    resources,
    ...options.app,
  };
  return stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "challenge", ...options.metadata },
    spec: { containers: [app], ...options.spec },
  });
}

export const app = (pod: V1Pod): V1Container => pod.spec?.containers[0] as V1Container;

/** Specs that go through stackd with its default policy and must arrive as stackd sanitised them. */
export const arrivalCases: ArrivalCase[] = [
  {
    name: "emptyDir volumes get the size cap, and Memory ones keep theirs",
    yaml: specYaml({
      app: {
        volumeMounts: [
          { name: "scratch", mountPath: "/scratch" },
          { name: "fast", mountPath: "/fast" },
        ],
      },
      spec: {
        volumes: [
          { name: "scratch", emptyDir: {} },
          { name: "fast", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
        ],
      },
    }),
    check: (pod) =>
      expect(pod.spec?.volumes).toEqual([
        { name: "scratch", emptyDir: { sizeLimit: "1Gi" } },
        { name: "fast", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
      ]),
  },
  {
    name: "downwardAPI and projected downwardAPI volumes",
    yaml: specYaml({
      spec: {
        volumes: [
          {
            name: "facts",
            downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] },
          },
          {
            name: "more",
            projected: {
              sources: [
                { downwardAPI: { items: [{ path: "name", fieldRef: { fieldPath: "metadata.name" } }] } },
              ],
            },
          },
        ],
      },
    }),
    check: (pod) => {
      expect(pod.spec?.volumes?.[0]?.downwardAPI?.items?.[0]?.fieldRef?.fieldPath).toBe("metadata.labels");
      expect(pod.spec?.volumes?.[1]?.projected?.sources?.[0]?.downwardAPI?.items?.[0]?.path).toBe("name");
    },
  },
  {
    name: "a required nodeAffinity that narrows the stack nodes to one",
    yaml: specYaml({
      spec: {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                {
                  matchExpressions: [
                    { key: "kubernetes.io/hostname", operator: "In", values: ["stack-node-2"] },
                  ],
                },
              ],
            },
          },
        },
      },
    }),
    check: (pod) => {
      expect(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toBeDefined();
      expect(pod.spec?.nodeName).toBe("stack-node-2");
    },
  },
  {
    name: "a native sidecar and a plain init container",
    yaml: specYaml({
      spec: {
        initContainers: [
          { name: "setup", image: "busybox:1.36", command: ["true"], resources },
          {
            name: "proxy",
            image: "busybox:1.36",
            restartPolicy: "Always",
            readinessProbe: { tcpSocket: { port: 15000 } },
            resources,
          },
        ],
      },
    }),
    check: (pod) => {
      expect(pod.spec?.initContainers?.map((init) => init.restartPolicy)).toEqual([undefined, "Always"]);
      expect(pod.spec?.initContainers?.[1]?.readinessProbe?.tcpSocket?.port).toBe(15000);
    },
  },
  {
    name: "probes of every kind, without a host",
    yaml: specYaml({
      app: {
        livenessProbe: { httpGet: { path: "/healthz", port: 80 }, periodSeconds: 5 },
        readinessProbe: { tcpSocket: { port: 80 } },
        startupProbe: { exec: { command: ["true"] }, failureThreshold: 30 },
      },
    }),
    check: (pod) => {
      expect(app(pod).livenessProbe?.httpGet).toMatchObject({ path: "/healthz", port: 80 });
      expect(app(pod).livenessProbe?.httpGet?.host).toBeUndefined();
      expect(app(pod).readinessProbe?.tcpSocket).toMatchObject({ port: 80 });
      expect(app(pod).startupProbe?.exec?.command).toEqual(["true"]);
    },
  },
  {
    name: "a gRPC probe",
    yaml: specYaml({ app: { livenessProbe: { grpc: { port: 80, service: "ready" } } } }),
    check: (pod) => expect(app(pod).livenessProbe?.grpc).toEqual({ port: 80, service: "ready" }),
  },
  {
    name: "lifecycle hooks, with a one-day preStop sleep cut to the grace period",
    yaml: specYaml({
      app: {
        lifecycle: { postStart: { exec: { command: ["true"] } }, preStop: { sleep: { seconds: 86400 } } },
      },
      spec: { terminationGracePeriodSeconds: 999999999 },
    }),
    check: (pod) => {
      expect(app(pod).lifecycle?.preStop?.sleep?.seconds).toBe(5);
      expect(app(pod).lifecycle?.postStart?.exec?.command).toEqual(["true"]);
      expect(pod.spec?.terminationGracePeriodSeconds).toBe(5);
    },
  },
  {
    name: "env values, fieldRef and resourceFieldRef",
    yaml: specYaml({
      app: {
        env: [
          { name: "MODE", value: "ctf" },
          { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          { name: "MEM", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } },
        ],
      },
    }),
    check: (pod) => expect(app(pod).env?.map((variable) => variable.name)).toEqual(["MODE", "POD", "MEM"]),
  },
  {
    name: "the author's labels beside stackd's",
    yaml: specYaml({ metadata: { labels: { team: "red", "app.kubernetes.io/component": "web" } } }),
    check: (pod) =>
      expect(pod.metadata?.labels).toMatchObject({
        team: "red",
        "app.kubernetes.io/component": "web",
        "app.kubernetes.io/managed-by": "stackd",
      }),
  },
  {
    name: "command, args and the container's own settings",
    yaml: specYaml({
      app: {
        command: ["nginx"],
        args: ["-g", "daemon off;"],
        workingDir: "/srv",
        imagePullPolicy: "IfNotPresent",
        tty: true,
        stdin: true,
      },
    }),
    check: (pod) =>
      expect(app(pod)).toMatchObject({
        command: ["nginx"],
        args: ["-g", "daemon off;"],
        workingDir: "/srv",
        imagePullPolicy: "IfNotPresent",
        tty: true,
        stdin: true,
      }),
  },
  {
    name: "hostname, shareProcessNamespace, host namespaces set to false and ClusterFirst DNS",
    yaml: specYaml({
      spec: {
        hostname: "web",
        shareProcessNamespace: true,
        hostNetwork: false,
        hostPID: false,
        dnsPolicy: "ClusterFirst",
      },
    }),
    check: (pod) =>
      expect(pod.spec).toMatchObject({
        hostname: "web",
        shareProcessNamespace: true,
        dnsPolicy: "ClusterFirst",
      }),
  },
  {
    name: "activeDeadlineSeconds cut to the TTL",
    yaml: specYaml({ spec: { activeDeadlineSeconds: 999999 } }),
    check: (pod) => expect(pod.spec?.activeDeadlineSeconds).toBe(7200),
  },
  {
    name: "a read-only root filesystem the author asked for",
    yaml: specYaml({ app: { securityContext: { readOnlyRootFilesystem: true } } }),
    check: (pod) =>
      expect(app(pod).securityContext).toMatchObject({ readOnlyRootFilesystem: true, privileged: false }),
  },
  {
    name: "a UDP port with a name",
    yaml: specYaml({ app: { ports: [{ containerPort: 53, protocol: "UDP", name: "dns" }] } }),
    targetPort: 53,
    check: (pod) => expect(app(pod).ports).toEqual([{ containerPort: 53, protocol: "UDP", name: "dns" }]),
  },
  {
    name: "an image with a registry port, a tag and a digest",
    yaml: specYaml({ app: { image: `registry.example.com:5000/team/app:1.0@${digest}` } }),
    check: (pod) => expect(app(pod).image).toBe(`registry.example.com:5000/team/app:1.0@${digest}`),
  },
  {
    name: "the author's own nodeSelector key beside the role",
    yaml: specYaml({ spec: { nodeSelector: { "kubernetes.io/os": "linux", role: "control-plane" } } }),
    check: (pod) => expect(pod.spec?.nodeSelector).toEqual({ "kubernetes.io/os": "linux", role: "stack" }),
  },
  {
    name: "a volume without a source, as a capped emptyDir",
    yaml: specYaml({ spec: { volumes: [{ name: "plain" }] } }),
    check: (pod) => expect(pod.spec?.volumes).toEqual([{ name: "plain", emptyDir: { sizeLimit: "1Gi" } }]),
  },
];
