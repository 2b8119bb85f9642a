import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  checkHostPortPodSecurity,
  HostPortPodSecurityError,
  podSecurityEnforceLabel,
} from "../../../src/exposure/host-port-pod-security.ts";
import { silentLogger } from "../../../src/log/logger.ts";
import { createTestNamespace, deleteTestNamespace, testKubeClient } from "../../helpers/cluster.ts";
import { failureOf } from "../../helpers/failures.ts";
import { mainExit } from "../../helpers/start-refusal.ts";

/** The start check of STACK_EXPOSURE=hostport against the real Pod Security admission. */
const kube = testKubeClient();
const namespaces: Record<"baseline" | "restricted" | "privileged", string> = {
  baseline: "",
  restricted: "",
  privileged: "",
};
const work = mkdtempSync(join(tmpdir(), "stackd-hostport-psa-"));

beforeAll(async () => {
  for (const level of ["baseline", "restricted", "privileged"] as const) {
    const name = await createTestNamespace(kube, `hostport-psa-${level}`);
    const namespace = await kube.core.readNamespace({ name });
    namespace.metadata = {
      ...namespace.metadata,
      labels: { ...namespace.metadata?.labels, [podSecurityEnforceLabel]: level },
    };
    await kube.core.replaceNamespace({ name, body: namespace });
    namespaces[level] = name;
  }
});

afterAll(async () => {
  await Promise.all(Object.values(namespaces).map((name) => deleteTestNamespace(kube, name)));
  rmSync(work, { recursive: true, force: true });
});

describe("the hostport Pod Security start check", () => {
  it.each(["baseline", "restricted"] as const)(
    "refuses a namespace that enforces %s, saying which label to set",
    async (level) => {
      const namespace = namespaces[level];
      const error = await failureOf(checkHostPortPodSecurity(kube, namespace, 20000, silentLogger));
      expect(error).toBeInstanceOf(HostPortPodSecurityError);
      const refusal = error as HostPortPodSecurityError;
      expect([refusal.namespace, refusal.level, refusal.variable]).toEqual([
        namespace,
        level,
        "STACK_EXPOSURE",
      ]);
      expect(refusal.message).toContain(`namespace "${namespace}" enforces Pod Security "${level}"`);
      expect(refusal.message).toContain("hostPort");
      expect(refusal.message).toContain(`${podSecurityEnforceLabel}=privileged`);
    },
  );

  it("lets a privileged namespace through and stores nothing there", async () => {
    const namespace = namespaces.privileged;
    expect(await checkHostPortPodSecurity(kube, namespace, 20000, silentLogger)).toBeUndefined();
    expect((await kube.core.listNamespacedPod({ namespace })).items).toEqual([]);
  });

  it("stops stackd with exit code 2 in a baseline namespace", async () => {
    const { code, stderr } = await mainExit(work, {
      STACK_NAMESPACE: namespaces.baseline,
      STACK_EXPOSURE: "hostport",
    });
    expect(code).toBe(2);
    expect(stderr).toContain("invalid configuration");
    expect(stderr).toContain(`namespace \\"${namespaces.baseline}\\" enforces Pod Security \\"baseline\\"`);
  });
});
