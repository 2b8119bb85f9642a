import { expect } from "bun:test";
import { accepts, expectContainerField, type HostileCase, refuses, withContainer } from "./hostile-cases.ts";
import { container, podYaml } from "./pod-spec-fixtures.ts";

const metadataService = "169.254.169.254";
const probe = (kind: string, value: Record<string, unknown>) => withContainer({ [kind]: value });
const hook = (name: string, value: Record<string, unknown>) =>
  withContainer({ lifecycle: { [name]: value } });

/** Probes and lifecycle hooks: no request from the node to elsewhere, no hook longer than the grace period. */
export const handlerCases: HostileCase[] = [
  refuses(
    "refuses a liveness httpGet with a host (SSRF from the node)",
    probe("livenessProbe", { httpGet: { host: metadataService, path: "/latest/meta-data/", port: 80 } }),
    "spec.containers[0].livenessProbe.httpGet: host is not allowed",
  ),
  refuses(
    "refuses a readiness httpGet with a host",
    probe("readinessProbe", { httpGet: { host: "kubernetes.default.svc", port: 443, scheme: "HTTPS" } }),
    "spec.containers[0].readinessProbe.httpGet: host is not allowed",
  ),
  refuses(
    "refuses a startup tcpSocket with a host",
    probe("startupProbe", { tcpSocket: { host: "10.0.0.1", port: 10250 } }),
    "spec.containers[0].startupProbe.tcpSocket: host is not allowed",
  ),
  refuses(
    "refuses a preStop httpGet with a host",
    hook("preStop", { httpGet: { host: metadataService, port: 80 } }),
    "spec.containers[0].lifecycle.preStop.httpGet: host is not allowed",
  ),
  refuses(
    "refuses a postStart httpGet with a host",
    hook("postStart", { httpGet: { host: "203.0.113.1", port: 80 } }),
    "spec.containers[0].lifecycle.postStart.httpGet: host is not allowed",
  ),
  refuses(
    "refuses a tcpSocket lifecycle hook",
    hook("postStart", { tcpSocket: { port: 80 } }),
    "spec.containers[0].lifecycle.postStart: tcpSocket is not allowed",
  ),
  refuses(
    "refuses a gRPC lifecycle hook",
    hook("preStop", { grpc: { port: 80 } }),
    "spec.containers[0].lifecycle.preStop: grpc is not allowed",
  ),
  refuses(
    "refuses a lifecycle stopSignal",
    withContainer({ lifecycle: { stopSignal: "SIGKILL" } }),
    "spec.containers[0].lifecycle: stopSignal is not allowed",
  ),
  refuses(
    "refuses a probe with two actions",
    probe("livenessProbe", { exec: { command: ["true"] }, tcpSocket: { port: 80 } }),
    "spec.containers[0].livenessProbe must set exactly one of exec, httpGet, tcpSocket or grpc, found 2",
  ),
  refuses(
    "refuses a probe with no action",
    probe("readinessProbe", { periodSeconds: 5 }),
    "spec.containers[0].readinessProbe must set exactly one of exec, httpGet, tcpSocket or grpc, found 0",
  ),
  refuses(
    "refuses a hook with no action",
    hook("preStop", {}),
    "spec.containers[0].lifecycle.preStop must set exactly one of exec, httpGet or sleep, found 0",
  ),
  refuses(
    "refuses sleep in a probe",
    probe("livenessProbe", { sleep: { seconds: 1 } }),
    "spec.containers[0].livenessProbe: sleep is not allowed",
  ),
  refuses(
    "refuses a probe port name with a space",
    probe("livenessProbe", { httpGet: { port: "http port" } }),
    'spec.containers[0].livenessProbe.httpGet.port must be a port number or a port name, got "http port"',
  ),
  refuses(
    "refuses a probe port above 65535",
    probe("livenessProbe", { tcpSocket: { port: 70000 } }),
    "spec.containers[0].livenessProbe.tcpSocket.port must be an integer between 1 and 65535, got 70000",
  ),
  refuses(
    "refuses a gRPC probe port given by name",
    probe("livenessProbe", { grpc: { port: "grpc" } }),
    'spec.containers[0].livenessProbe.grpc.port must be an integer between 1 and 65535, got "grpc"',
  ),
  refuses(
    "refuses a negative periodSeconds",
    probe("livenessProbe", { exec: { command: ["true"] }, periodSeconds: -1 }),
    "spec.containers[0].livenessProbe.periodSeconds must be an integer between 0 and 2147483647, got -1",
  ),
  refuses(
    "refuses an httpGet scheme other than HTTP or HTTPS",
    probe("livenessProbe", { httpGet: { port: 80, scheme: "FILE" } }),
    'spec.containers[0].livenessProbe.httpGet.scheme must be HTTP or HTTPS, got "FILE"',
  ),
  refuses(
    "refuses an unknown httpGet field",
    probe("livenessProbe", { httpGet: { port: 80, url: "http://169.254.169.254/" } }),
    "spec.containers[0].livenessProbe.httpGet: url is not allowed",
  ),
  refuses(
    "refuses an exec command that is a string",
    probe("livenessProbe", { exec: { command: "true" } }),
    "spec.containers[0].livenessProbe.exec.command must be a list, got a string",
  ),
  refuses(
    "refuses a negative sleep",
    hook("preStop", { sleep: { seconds: -1 } }),
    "spec.containers[0].lifecycle.preStop.sleep.seconds must be an integer between 0 and 2147483647, got -1",
  ),
  refuses(
    "refuses a probe grace period of 0",
    probe("livenessProbe", { exec: { command: ["true"] }, terminationGracePeriodSeconds: 0 }),
    "spec.containers[0].livenessProbe.terminationGracePeriodSeconds must be an integer between 1 and 2147483647, got 0",
  ),
  accepts(
    "caps a one-day preStop sleep at the grace period",
    hook("preStop", { sleep: { seconds: 86400 } }),
    (result) => expectContainerField(result, "lifecycle", { preStop: { sleep: { seconds: 5 } } }),
  ),
  accepts(
    "caps a preStop sleep at a shorter grace period the author chose",
    podYaml({
      containers: [container({ lifecycle: { preStop: { sleep: { seconds: 4 } } } })],
      spec: { terminationGracePeriodSeconds: 2 },
    }),
    (result) => expectContainerField(result, "lifecycle", { preStop: { sleep: { seconds: 2 } } }),
  ),
  accepts(
    "caps a probe's own grace period",
    probe("livenessProbe", { exec: { command: ["true"] }, terminationGracePeriodSeconds: 999 }),
    (result) =>
      expectContainerField(result, "livenessProbe", {
        exec: { command: ["true"] },
        terminationGracePeriodSeconds: 5,
      }),
  ),
  accepts(
    "keeps probes without a host, on numbered and named ports",
    withContainer({
      ports: [{ containerPort: 80, name: "http" }],
      livenessProbe: {
        httpGet: { path: "/healthz", port: "http", httpHeaders: [{ name: "Host", value: "x" }] },
      },
      readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 2 },
      startupProbe: { grpc: { port: 80, service: "ready" }, failureThreshold: 30 },
    }),
    (result) =>
      expect((result.pod.spec.containers as unknown[])[0]).toMatchObject({
        livenessProbe: {
          httpGet: { path: "/healthz", port: "http", httpHeaders: [{ name: "Host", value: "x" }] },
        },
        readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 2 },
        startupProbe: { grpc: { port: 80, service: "ready" }, failureThreshold: 30 },
      }),
  ),
  accepts(
    "keeps postStart exec and preStop httpGet hooks",
    withContainer({
      lifecycle: {
        postStart: { exec: { command: ["touch", "/tmp/up"] } },
        preStop: { httpGet: { port: 80 } },
      },
    }),
    (result) =>
      expectContainerField(result, "lifecycle", {
        postStart: { exec: { command: ["touch", "/tmp/up"] } },
        preStop: { httpGet: { port: 80 } },
      }),
  ),
  accepts(
    "caps a preStop sleep at zero when the grace period is zero",
    podYaml({
      containers: [container({ lifecycle: { preStop: { sleep: { seconds: 3 } } } })],
      spec: { terminationGracePeriodSeconds: 0 },
    }),
    (result) => expectContainerField(result, "lifecycle", { preStop: { sleep: { seconds: 0 } } }),
  ),
];
