import { describe, expect, it } from "bun:test";
import { defaultIngressPolicy, podSecurityLabels } from "../../../tools/cluster/fixture.ts";
import { deployedObject } from "../../helpers/deploy.ts";

describe("deploy/ and the local cluster's fixture", () => {
  it("labels the stacks namespace for Pod Security as the local cluster's fixture does", async () => {
    expect((await deployedObject("Namespace", "stacks")).metadata.labels).toEqual({ ...podSecurityLabels });
  });

  it("ships the fixture's ingress policy in stacks, so stackd starts with STACK_REQUIRE_INGRESS_NETWORK_POLICY", async () => {
    const fixture = defaultIngressPolicy();
    const deployed = await deployedObject("NetworkPolicy", fixture.metadata?.name ?? "");
    expect(deployed.metadata.namespace).toBe("stacks");
    expect(deployed.spec).toEqual(fixture.spec);
  });

  it("lets stackd get, list, create, update and delete NetworkPolicies in stacks", async () => {
    const role = await deployedObject("Role", "stackd");
    expect(role.rules).toContainEqual({
      apiGroups: ["networking.k8s.io"],
      resources: ["networkpolicies"],
      verbs: ["get", "list", "create", "update", "delete"],
    });
  });
});
