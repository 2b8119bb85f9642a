import { expect } from "bun:test";
import {
  accepts,
  expectContainerField,
  type HostileCase,
  refuses,
  withContainer,
  withSpec,
} from "./hostile-cases.ts";
import { container, helper, podYaml } from "./pod-spec-fixtures.ts";

/** Container fields: counts, names, restart policies, security context, resources. */
export const containerCases: HostileCase[] = [
  refuses(
    "refuses 11 containers",
    podYaml({ containers: Array.from({ length: 11 }, (_, index) => helper(`c${index}`)) }),
    "spec.containers lists 11 containers, more than the limit of 10",
  ),
  refuses(
    "refuses 1,500 containers before reading any",
    podYaml({ containers: Array.from({ length: 1500 }, () => ({ name: "a" })) }),
    "spec.containers lists 1500 containers, more than the limit of 10",
  ),
  refuses(
    "refuses 11 init containers",
    podYaml({ spec: { initContainers: Array.from({ length: 11 }, (_, index) => helper(`i${index}`)) } }),
    "spec.initContainers lists 11 init containers, more than the limit of 10",
  ),
  refuses(
    "refuses a container restartPolicy Always",
    withContainer({ restartPolicy: "Always" }),
    "spec.containers[0]: restartPolicy is not allowed",
  ),
  refuses(
    "refuses a container restartPolicy OnFailure",
    withContainer({ restartPolicy: "OnFailure" }),
    "spec.containers[0]: restartPolicy is not allowed",
  ),
  refuses(
    "refuses restartPolicyRules on a container",
    withContainer({
      restartPolicyRules: [{ action: "Restart", exitCodes: { operator: "In", values: [1] } }],
    }),
    "spec.containers[0]: restartPolicyRules is not allowed",
  ),
  refuses(
    "refuses an init container restartPolicy OnFailure",
    podYaml({ spec: { initContainers: [helper("init", { restartPolicy: "OnFailure" })] } }),
    'spec.initContainers[0].restartPolicy must be Always, got "OnFailure"',
  ),
  refuses(
    "refuses an init container restartPolicy Never",
    podYaml({ spec: { initContainers: [helper("init", { restartPolicy: "Never" })] } }),
    'spec.initContainers[0].restartPolicy must be Always, got "Never"',
  ),
  refuses(
    "refuses restartPolicyRules on a sidecar",
    podYaml({
      spec: { initContainers: [helper("proxy", { restartPolicy: "Always", restartPolicyRules: [] })] },
    }),
    "spec.initContainers[0]: restartPolicyRules is not allowed",
  ),
  refuses(
    "refuses a probe on an init container that is not a sidecar",
    podYaml({
      spec: { initContainers: [helper("init", { livenessProbe: { exec: { command: ["true"] } } })] },
    }),
    'spec.initContainers[0] ("init"): livenessProbe is only allowed on sidecar init containers (restartPolicy Always)',
  ),
  refuses(
    "refuses lifecycle hooks on an init container that is not a sidecar",
    podYaml({
      spec: { initContainers: [helper("init", { lifecycle: { preStop: { sleep: { seconds: 1 } } } })] },
    }),
    'spec.initContainers[0] ("init"): lifecycle is only allowed on sidecar init containers (restartPolicy Always)',
  ),
  refuses(
    "refuses volumeDevices",
    withContainer({ volumeDevices: [{ name: "disk", devicePath: "/dev/xvda" }] }),
    "spec.containers[0]: volumeDevices is not allowed",
  ),
  refuses(
    "refuses terminationMessagePath",
    withContainer({ terminationMessagePath: "/etc/passwd" }),
    "spec.containers[0]: terminationMessagePath is not allowed",
  ),
  refuses(
    "refuses resizePolicy",
    withContainer({ resizePolicy: [{ resourceName: "cpu", restartPolicy: "NotRequired" }] }),
    "spec.containers[0]: resizePolicy is not allowed",
  ),
  refuses(
    "refuses an unknown container field",
    withContainer({ privileged: true }),
    "spec.containers[0]: privileged is not allowed",
  ),
  refuses(
    "refuses a securityContext that adds more than readOnlyRootFilesystem",
    withContainer({ securityContext: { readOnlyRootFilesystem: false, privileged: true } }),
    "spec.containers[0].securityContext must not be set; stackd sets it",
  ),
  refuses(
    "refuses added capabilities",
    withContainer({ securityContext: { capabilities: { add: ["SYS_ADMIN"] } } }),
    "spec.containers[0].securityContext must not be set; stackd sets it",
  ),
  refuses(
    "refuses runAsUser 0",
    withContainer({ securityContext: { runAsUser: 0 } }),
    "spec.containers[0].securityContext must not be set; stackd sets it",
  ),
  refuses(
    "refuses a readOnlyRootFilesystem that is not a boolean",
    withContainer({ securityContext: { readOnlyRootFilesystem: "false" } }),
    "spec.containers[0].securityContext.readOnlyRootFilesystem must be a boolean, got a string",
  ),
  refuses(
    "refuses a container name that is not a DNS label",
    withContainer({ name: "App_1" }),
    "spec.containers[0].name must be a DNS label (at most 63 lowercase letters, digits and '-'), got \"App_1\"",
  ),
  refuses(
    "refuses a command that is not a list",
    withContainer({ command: "sh -c id" }),
    "spec.containers[0].command must be a list, got a string",
  ),
  refuses(
    "refuses an argument that is a number",
    withContainer({ args: [1] }),
    "spec.containers[0].args[0] must be a string, got a number",
  ),
  refuses(
    "refuses command and args over 32 KiB",
    withContainer({ command: ["sh", "-c"], args: ["x".repeat(33000)] }),
    'spec.containers[0] ("app") has 33004 bytes of command and args, more than the limit of 32768',
  ),
  refuses(
    "refuses command and args over the policy's limit",
    withContainer({ command: ["nginx"], args: ["-g", "daemon off;"] }),
    'spec.containers[0] ("app") has 18 bytes of command and args, more than the limit of 10',
    { maxCommandBytes: 10 },
  ),
  refuses(
    "refuses an extended resource such as a GPU",
    withContainer({ resources: { limits: { cpu: "1", memory: "1Gi", "nvidia.com/gpu": 1 } } }),
    "spec.containers[0].resources.limits: nvidia.com/gpu is not allowed",
  ),
  refuses(
    "refuses hugepages",
    withContainer({ resources: { requests: { cpu: "1", memory: "1Gi", "hugepages-2Mi": "1Gi" } } }),
    "spec.containers[0].resources.requests: hugepages-2Mi is not allowed",
  ),
  refuses(
    "refuses resource claims",
    withContainer({ resources: { limits: { cpu: "1", memory: "1Gi" }, claims: [{ name: "gpu" }] } }),
    "spec.containers[0].resources: claims is not allowed",
  ),
  refuses(
    "refuses an invalid ephemeral-storage quantity",
    withContainer({ resources: { limits: { cpu: "1", memory: "1Gi", "ephemeral-storage": "lots" } } }),
    'spec.containers[0].resources.limits.ephemeral-storage: invalid quantity "lots": expected a number such as 100m or 1Gi',
  ),
  refuses(
    "refuses an unknown port field",
    withContainer({ ports: [{ containerPort: 80, hostNetwork: true }] }),
    "spec.containers[0].ports[0]: hostNetwork is not allowed",
  ),
  refuses(
    "refuses a port number written as a string in hostPort",
    withContainer({ ports: [{ containerPort: 80, hostPort: "80" }] }),
    "spec.containers[0].ports[0].hostPort must not be set",
  ),
  refuses(
    "refuses hostPort on a UDP port, which only stackd sets in hostport exposure",
    withContainer({ ports: [{ containerPort: 53, protocol: "UDP", hostPort: 7000 }] }),
    "spec.containers[0].ports[0].hostPort must not be set",
  ),
  refuses(
    "refuses hostPort on a port of a second container that is not exposed",
    podYaml({
      containers: [container(), helper("metrics", { ports: [{ containerPort: 9090, hostPort: 9090 }] })],
    }),
    "spec.containers[1].ports[0].hostPort must not be set",
  ),
  refuses(
    "refuses hostPort on a native sidecar",
    podYaml({
      spec: {
        initContainers: [
          helper("proxy", { restartPolicy: "Always", ports: [{ containerPort: 8080, hostPort: 8080 }] }),
        ],
      },
    }),
    'spec.initContainers[0] ("proxy"): init containers must not declare ports',
  ),
  accepts(
    "keeps a native sidecar with its probe and counts it",
    podYaml({
      spec: {
        initContainers: [
          helper("proxy", { restartPolicy: "Always", readinessProbe: { tcpSocket: { port: 15000 } } }),
        ],
      },
    }),
    (result) => {
      const [proxy] = result.pod.spec.initContainers as Record<string, unknown>[];
      expect(proxy).toMatchObject({
        restartPolicy: "Always",
        readinessProbe: { tcpSocket: { port: 15000 } },
      });
      expect(result.requestedCpuMilli).toBe(200);
    },
  ),
  accepts(
    "keeps the container fields a challenge needs",
    withContainer({
      imagePullPolicy: "IfNotPresent",
      workingDir: "/srv",
      stdin: true,
      tty: true,
      terminationMessagePolicy: "FallbackToLogsOnError",
    }),
    (result) =>
      expect((result.pod.spec.containers as unknown[])[0]).toMatchObject({
        imagePullPolicy: "IfNotPresent",
        workingDir: "/srv",
        stdin: true,
        tty: true,
        terminationMessagePolicy: "FallbackToLogsOnError",
      }),
  ),
  accepts(
    'keeps hostPort 0 and hostIP "" out of the pod',
    withContainer({ ports: [{ containerPort: 80, hostPort: 0, hostIP: "" }] }),
    (result) => expectContainerField(result, "ports", [{ containerPort: 80, protocol: "TCP" }]),
  ),
  accepts(
    "accepts 10 containers, the limit",
    podYaml({ containers: [container(), ...Array.from({ length: 9 }, (_, index) => helper(`c${index}`))] }),
    (result) => expect(result.pod.spec.containers).toHaveLength(10),
  ),
  accepts("accepts a pod-level field set to null as unset", withSpec({ priorityClassName: null }), (result) =>
    expect(result.pod.spec).not.toHaveProperty("priorityClassName"),
  ),
];
