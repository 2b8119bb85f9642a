import type { V1Pod } from "@kubernetes/client-node";
import type { KubeClient } from "../kube/client.ts";
import { toKubeApiError } from "../kube/errors.ts";
import type { Logger } from "../log/logger.ts";

export const podSecurityEnforceLabel = "pod-security.kubernetes.io/enforce";

/**
 * STACK_EXPOSURE=hostport in a namespace whose Pod Security refuses host ports (`baseline` and
 * `restricted` both do): every create would fail, so stackd does not start. Exit code 2, like a ConfigError.
 */
export class HostPortPodSecurityError extends Error {
  override readonly name = "HostPortPodSecurityError";
  readonly code = "HOSTPORT_POD_SECURITY";
  readonly variable = "STACK_EXPOSURE";
  readonly namespace: string;
  readonly level: string;

  constructor(namespace: string, level: string, refusal: string) {
    super(
      `STACK_EXPOSURE=hostport, but namespace "${namespace}" enforces Pod Security "${level}" ` +
        `(label ${podSecurityEnforceLabel}), which refuses every hostPort (${refusal}); label the namespace ` +
        `${podSecurityEnforceLabel}=privileged (stackd's own pod allowlist still refuses what baseline ` +
        "would, and more), or choose another STACK_EXPOSURE",
    );
    this.namespace = namespace;
    this.level = level;
  }
}

/**
 * A pod that meets the `restricted` profile in all but its one hostPort, so that Pod Security refuses it
 * for that alone.
 */
function probePod(hostPort: number): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "stackd-hostport-check" },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } },
      containers: [
        {
          name: "check",
          image: "registry.k8s.io/pause:3.10",
          ports: [{ containerPort: hostPort, hostPort, protocol: "TCP" }],
          resources: { limits: { cpu: "10m", memory: "16Mi" }, requests: { cpu: "10m", memory: "16Mi" } },
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
        },
      ],
    },
  };
}

/**
 * Refuses start-up (throws HostPortPodSecurityError) when the namespace's Pod Security admission refuses
 * a pod with a hostPort. Asks the API server with a dry-run create, so it needs no right beyond creating
 * pods and it sees what admission enforces (the namespace's label, or the cluster's default for an
 * unlabelled namespace); nothing is stored. A network failure is rethrown; any other refusal is logged,
 * as the check cannot tell.
 */
export async function checkHostPortPodSecurity(
  kube: Pick<KubeClient, "transport">,
  namespace: string,
  hostPort: number,
  logger: Logger,
): Promise<void> {
  try {
    await kube.transport.send("POST", `/api/v1/namespaces/${namespace}/pods`, {
      body: probePod(hostPort),
      query: { dryRun: "All" },
    });
  } catch (error) {
    const failure = toKubeApiError(error);
    if (failure.status === 0) throw failure;
    const podSecurity = /violates PodSecurity "([a-z]+)(:[^"]*)?": ([^\n]*)/.exec(failure.message);
    if (failure.status === 403 && podSecurity)
      throw new HostPortPodSecurityError(namespace, podSecurity[1] as string, podSecurity[3] as string);
    logger.warn("cannot check that the stack namespace admits host ports", { namespace, error: failure });
  }
}
