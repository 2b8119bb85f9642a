import { describe, expect, it } from "bun:test";
import { listNetworkPolicies } from "../../../src/kube/network-policies.ts";
import type { TypedKubeClient } from "../../../src/kube/typed-api.ts";
import { silentLogger } from "../../../src/log/logger.ts";
import { IngressPolicyRequiredError } from "../../../src/network/network-policy.ts";
import { NetworkIsolationStartupError, startNetworkPolicies } from "../../../src/network/network-startup.ts";
import { namespacePerCase, serviceAccountClient, testKubeClient } from "../../helpers/cluster.ts";
import { failureOf } from "../../helpers/failures.ts";

const admin = testKubeClient();
const newNamespace = namespacePerCase(admin, "network-startup");
const bareNamespace = () => newNamespace({ bare: true });

function start(
  kube: TypedKubeClient,
  namespace: string,
  networkIsolation: boolean,
  requireIngressNetworkPolicy: boolean,
) {
  return startNetworkPolicies({
    kube,
    namespace,
    logger: silentLogger,
    networkIsolation,
    requireIngressNetworkPolicy,
    orphanGraceMs: 120_000,
  });
}

describe("startNetworkPolicies", () => {
  it("with the defaults (isolation off, policy required) refuses a namespace without an ingress policy", async () => {
    const namespace = await bareNamespace();
    const error = await failureOf(start(admin, namespace, false, true));
    expect(error).toBeInstanceOf(IngressPolicyRequiredError);
    expect((error as Error).message).toContain(`namespace "${namespace}"`);
  });

  it("with isolation on puts its policies in place first, which satisfy the requirement by themselves", async () => {
    const namespace = await bareNamespace();
    const isolation = await start(admin, namespace, true, true);
    expect(isolation.enabled).toBe(true);
    expect(
      (await listNetworkPolicies(admin.transport, namespace)).map((policy) => policy.metadata?.name),
    ).toEqual(["stackd-isolation"]);
  });

  it("with isolation on but no right to write NetworkPolicies, refuses to start and says why", async () => {
    const namespace = await bareNamespace();
    const stackd = await serviceAccountClient(admin, namespace, "stackd");
    const error = await failureOf(start(stackd, namespace, true, false));
    expect(error).toBeInstanceOf(NetworkIsolationStartupError);
    expect((error as Error).message).toStartWith(
      `STACK_NETWORK_ISOLATION is on but NetworkPolicy stackd-isolation in namespace "${namespace}" could not be applied (`,
    );
    expect((error as Error).message).toContain("forbidden");
  });

  it("with both off starts without any permission on NetworkPolicies (the off cleanup only logs)", async () => {
    const namespace = await bareNamespace();
    const stackd = await serviceAccountClient(admin, namespace, "stackd");
    expect((await start(stackd, namespace, false, false)).enabled).toBe(false);
  });
});
