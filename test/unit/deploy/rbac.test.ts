import { describe, expect, it } from "bun:test";
import { deployedObject, deployResources, leaseNameOf, type ManifestObject } from "../../helpers/deploy.ts";

interface Rule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}

const deployment = () => deployedObject("Deployment", "stackd");

/** The Role that grants leases, and the rules of it that do. */
async function leaseRole(): Promise<{ role: ManifestObject; rules: Rule[] }> {
  const roles = (await deployResources()).filter((object) => object.kind === "Role");
  const grantsLeases = (rule: Rule) => rule.resources.includes("leases");
  const [role, ...others] = roles.filter((candidate) => candidate.rules.some(grantsLeases));
  if (!role || others.length > 0) throw new Error("deploy/ should grant leases in exactly one Role");
  return { role, rules: role.rules.filter(grantsLeases) };
}

describe("deploy/'s RBAC for leader election and the stacks' records", () => {
  it("grants get and update only on the Lease that LEADER_ELECTION_NAME names, create on leases, nothing else, in stackd's namespace", async () => {
    const { role, rules } = await leaseRole();
    const name = leaseNameOf(await deployment());
    expect(role.metadata.namespace).toBe((await deployment()).metadata.namespace);
    expect(rules).toEqual([
      {
        apiGroups: ["coordination.k8s.io"],
        resources: ["leases"],
        resourceNames: [name],
        verbs: ["get", "update"],
      },
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
    ]);
  });

  it("binds the lease Role to the ServiceAccount the pods run as", async () => {
    const { role } = await leaseRole();
    const { metadata, spec } = await deployment();
    const bindings = (await deployResources()).filter(
      (object) => object.kind === "RoleBinding" && object.roleRef.name === role.metadata.name,
    );
    expect(bindings.map((binding) => binding.metadata.namespace)).toEqual([role.metadata.namespace]);
    expect(bindings[0]?.subjects).toEqual([
      { kind: "ServiceAccount", name: spec.template.spec.serviceAccountName, namespace: metadata.namespace },
    ]);
  });

  it("lets stackd merge-patch its Services in the stacks namespace, to record why a stack ended", async () => {
    const role = await deployedObject("Role", "stackd");
    const services = role.rules.find((rule: Rule) => rule.resources.includes("services"));
    expect(services?.verbs).toContain("patch");
  });
});
