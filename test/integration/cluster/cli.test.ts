import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { deleteNetworkPolicy, listNetworkPolicies } from "../../../src/kube/network-policies.ts";
import { createTypedKubeClient } from "../../../src/kube/typed-api.ts";
import { readState } from "../../../tools/cluster/control-plane.ts";
import { defaultIngressPolicy, podSecurityLabels } from "../../../tools/cluster/fixture.ts";
import { isAlive } from "../../../tools/cluster/processes.ts";

const repo = resolve(import.meta.dir, "../../..");
const dir = mkdtempSync(join(tmpdir(), "stackd-cluster-cli-"));

function cluster(...args: string[]) {
  const result = Bun.spawnSync(["bun", "tools/cluster/cli.ts", ...args], {
    cwd: repo,
    env: { ...process.env, STACKD_CLUSTER_DIR: dir },
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

afterAll(() => {
  cluster("down");
  rmSync(dir, { recursive: true, force: true });
});

describe("bun run cluster", () => {
  it("brings a second, independent cluster up beside the default one", () => {
    const result = cluster("up");
    expect(result.stderr).toContain("kwok healthy");
    expect(result.code).toBe(0);
    expect(cluster("status").code).toBe(0);
    expect(cluster("kubeconfig").stdout.trim()).toBe(join(dir, "kubeconfig"));
  }, 120_000);

  it("re-applies the fixture on a second `up`, restarting nothing (a cluster of an older fixture catches up)", async () => {
    const kube = createTypedKubeClient({ kubeconfigPath: join(dir, "kubeconfig") });
    const policyName = defaultIngressPolicy().metadata?.name ?? "";
    const stripped = Object.fromEntries(Object.keys(podSecurityLabels).map((key) => [key, null]));
    await kube.transport.send("PATCH", "/api/v1/namespaces/stacks", {
      body: { metadata: { labels: stripped } },
      contentType: "application/merge-patch+json",
    });
    await deleteNetworkPolicy(kube.transport, "stacks", policyName);
    const before = readState(dir);

    const result = cluster("up");
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("already up; fixture re-applied");
    expect(readState(dir)?.pids).toEqual(before?.pids as never);
    const namespace = await kube.core.readNamespace({ name: "stacks" });
    expect(namespace.metadata?.labels).toMatchObject(podSecurityLabels);
    const policies = await listNetworkPolicies(kube.transport, "stacks");
    expect(policies.map((policy) => policy.metadata?.name)).toEqual([policyName]);
  }, 60_000);

  it("cleans the leftovers of a killed run instead of failing", () => {
    const killed = readState(dir);
    if (!killed) throw new Error("cluster state missing");
    process.kill(killed.pids["kube-apiserver"], "SIGKILL");
    expect(cluster("status").code).toBe(1);
    const result = cluster("up");
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("leftover");
    for (const pid of Object.values(killed.pids)) expect(isAlive(pid)).toBe(false);
    expect(cluster("status").code).toBe(0);
  }, 120_000);

  it("stops every process it started on `down`, and nothing else", () => {
    const bystander = Bun.spawn(["sleep", "60"]);
    const state = readState(dir);
    const result = cluster("down");
    expect(result.code).toBe(0);
    for (const pid of Object.values(state?.pids ?? {})) expect(isAlive(pid)).toBe(false);
    expect(isAlive(bystander.pid)).toBe(true);
    bystander.kill();
    expect(cluster("status").code).toBe(1);
  }, 60_000);
});
