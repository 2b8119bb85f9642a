import { describe, expect, it } from "bun:test";
import {
  checkHostPortPodSecurity,
  HostPortPodSecurityError,
} from "../../../src/exposure/host-port-pod-security.ts";
import type { KubeClient } from "../../../src/kube/client.ts";
import { KubeApiError } from "../../../src/kube/errors.ts";
import { silentLogger } from "../../../src/log/logger.ts";
import { failureOf } from "../../helpers/failures.ts";

// The request stackd sends and how it reads the answers, with canned answers. What the real admission
// answers (baseline and restricted refuse, privileged admits) is test/integration/exposure/host-port-pod-security.test.ts.

/** A client whose one POST answers with `answer` (a KubeApiError thrown, or a body), recording the request. */
function fakeKube(answer: KubeApiError | object) {
  const sent: Array<{ method: string; path: string; options: unknown }> = [];
  const kube = {
    transport: {
      send: async (method: string, path: string, options: unknown) => {
        sent.push({ method, path, options });
        if (answer instanceof KubeApiError) throw answer;
        return answer;
      },
    },
  } as unknown as Pick<KubeClient, "transport">;
  return { kube, sent };
}

const refusedBy = (level: string) =>
  new KubeApiError(
    403,
    "Forbidden",
    `pods "stackd-hostport-check" is forbidden: violates PodSecurity "${level}:latest": hostPort (container "check" uses hostPort 20000)`,
  );

describe("checkHostPortPodSecurity", () => {
  it("asks with a dry-run create of a pod holding the range's first host port", async () => {
    const { kube, sent } = fakeKube({});
    await checkHostPortPodSecurity(kube, "stacks", 20000, silentLogger);
    expect(sent).toHaveLength(1);
    const [request] = sent;
    expect([request?.method, request?.path]).toEqual(["POST", "/api/v1/namespaces/stacks/pods"]);
    const options = request?.options as {
      query: unknown;
      body: { spec: { containers: { ports: unknown }[] } };
    };
    expect(options.query).toEqual({ dryRun: "All" });
    expect(options.body.spec.containers[0]?.ports).toEqual([
      { containerPort: 20000, hostPort: 20000, protocol: "TCP" },
    ]);
  });

  it.each(["baseline", "restricted"])(
    "refuses a namespace enforcing %s, naming it, the label and why",
    async (level) => {
      const { kube } = fakeKube(refusedBy(level));
      const error = await failureOf(checkHostPortPodSecurity(kube, "stacks", 20000, silentLogger));
      expect(error).toBeInstanceOf(HostPortPodSecurityError);
      expect((error as HostPortPodSecurityError).message).toBe(
        `STACK_EXPOSURE=hostport, but namespace "stacks" enforces Pod Security "${level}" (label pod-security.kubernetes.io/enforce), ` +
          'which refuses every hostPort (hostPort (container "check" uses hostPort 20000)); label the namespace ' +
          "pod-security.kubernetes.io/enforce=privileged (stackd's own pod allowlist still refuses what baseline would, and more), " +
          "or choose another STACK_EXPOSURE",
      );
      expect((error as HostPortPodSecurityError).variable).toBe("STACK_EXPOSURE");
    },
  );

  it("rethrows a network failure", async () => {
    const { kube } = fakeKube(new KubeApiError(0, "NetworkError", "cannot reach API server"));
    expect(await failureOf(checkHostPortPodSecurity(kube, "stacks", 20000, silentLogger))).toBeInstanceOf(
      KubeApiError,
    );
  });

  it("lets stackd start when another refusal (not Pod Security's) leaves it unable to tell", async () => {
    const { kube } = fakeKube(
      new KubeApiError(403, "Forbidden", 'pods is forbidden: User "x" cannot create resource "pods"'),
    );
    expect(await checkHostPortPodSecurity(kube, "stacks", 20000, silentLogger)).toBeUndefined();
  });
});
