import { afterEach, beforeEach } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { V1Lease } from "@kubernetes/client-node";
import type { TypedKubeClient } from "../../src/kube/typed-api.ts";
import { createTestNamespace, deleteTestNamespace, eventually } from "./cluster.ts";
import { StackdProcess } from "./stackd-process.ts";

/** Lease timings short enough for tests, in the same proportions as the defaults (15s / 10s / 2s). */
export const testLease = { durationMs: 6_000, renewDeadlineMs: 4_000, retryPeriodMs: 500 };

/** Orphans are swept quickly in the HA tests, so "nothing left behind" is checked within a test. */
export const fastSweep = { orphanGraceMs: 2_000, sweepIntervalMs: 1_000 } as const;
export const fastSweepEnv = {
  STACK_ORPHAN_GRACE: `${fastSweep.orphanGraceMs}ms`,
  STACK_SCHEDULER_INTERVAL: `${fastSweep.sweepIntervalMs}ms`,
};

/**
 * N stackd processes with leader election on one namespace, each with its own database directory,
 * as the Deployment in deploy/ runs them. Tests stop them all in `stopAll`.
 */
export class ReplicaSet {
  readonly replicas: StackdProcess[] = [];
  readonly leaseName: string;
  #kube: TypedKubeClient;
  #namespace: string;
  #env: Record<string, string>;
  #dirs: string[] = [];
  #next = 0;

  constructor(
    kube: TypedKubeClient,
    namespace: string,
    env: Record<string, string> = {},
    leaseName = "stackd-test",
  ) {
    this.#kube = kube;
    this.#namespace = namespace;
    this.#env = env;
    this.leaseName = leaseName;
  }

  /** Starts one more replica (identity replica-N) and waits until it answers. */
  async add(): Promise<StackdProcess> {
    const dir = mkdtempSync(join(tmpdir(), "stackd-replica-"));
    this.#dirs.push(dir);
    const identity = `replica-${this.#next}`;
    this.#next += 1;
    const replica = new StackdProcess(this.#namespace, dir, {
      LEADER_ELECTION_ENABLED: "true",
      LEADER_ELECTION_NAMESPACE: this.#namespace,
      LEADER_ELECTION_NAME: this.leaseName,
      LEADER_ELECTION_IDENTITY: identity,
      LEADER_ELECTION_LEASE_DURATION: `${testLease.durationMs}ms`,
      LEADER_ELECTION_RENEW_DEADLINE: `${testLease.renewDeadlineMs}ms`,
      LEADER_ELECTION_RETRY_PERIOD: `${testLease.retryPeriodMs}ms`,
      ...this.#env,
    });
    // Registered before it starts: `stopAll` kills it even when its start fails or the test ends first.
    this.replicas.push(replica);
    await replica.start();
    return replica;
  }

  async lease(): Promise<V1Lease | undefined> {
    return this.#kube.transport
      .send<V1Lease>(
        "GET",
        `/apis/coordination.k8s.io/v1/namespaces/${this.#namespace}/leases/${this.leaseName}`,
      )
      .catch(() => undefined);
  }

  async holder(): Promise<string> {
    return (await this.lease())?.spec?.holderIdentity ?? "";
  }

  /** The replica that holds the lease and has taken over (it answers writes itself), once there is one. */
  async leader(timeoutMs = 30_000): Promise<StackdProcess> {
    return eventually(
      "a replica to lead",
      async () => {
        const holder = await this.holder();
        const index = Number(holder.replace("replica-", ""));
        const replica = holder === "" ? undefined : this.#byIdentity(index);
        if (!replica) return undefined;
        if ((await leadershipRoleOf(replica)) !== "leader") return undefined;
        // Settled: every other replica that answers has read the Lease since (within a retry period).
        const others = this.replicas.filter((other) => other !== replica);
        const named = await Promise.all(others.map((other) => leaderNamedBy(other)));
        return named.every((name) => name === undefined || name === holder) ? replica : undefined;
      },
      timeoutMs,
    );
  }

  identityOf(replica: StackdProcess): string {
    return `replica-${this.#identities.get(replica)}`;
  }

  get #identities(): Map<StackdProcess, number> {
    return new Map(this.replicas.map((replica, index) => [replica, index]));
  }

  #byIdentity(index: number): StackdProcess | undefined {
    return this.replicas[index];
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.replicas.map((replica) => replica.kill()));
    for (const dir of this.#dirs) rmSync(dir, { recursive: true, force: true });
  }
}

/** The leader a replica's `/readyz` names (null for none), or undefined when it does not answer in 1 s. */
export async function leaderNamedBy(replica: StackdProcess): Promise<string | null | undefined> {
  const answer = await replica.api("/readyz", { signal: AbortSignal.timeout(1_000) }).catch(() => undefined);
  const body = (await answer?.json().catch(() => undefined)) as
    | { leadership?: { leader?: string | null } }
    | undefined;
  return body?.leadership?.leader;
}

/** The leadership role a replica's `/readyz` reports, or undefined when it does not answer. */
export async function leadershipRoleOf(replica: StackdProcess): Promise<string | undefined> {
  const answer = await replica.api("/readyz").catch(() => undefined);
  const body = (await answer?.json().catch(() => undefined)) as
    | { leadership?: { role?: string } }
    | undefined;
  return body?.leadership?.role;
}

/**
 * A namespace of its own for each test case (`namespace`), and the replica sets a case starts there
 * (`start`, with a Lease name of its own if given); after each case they are stopped and the namespace
 * is deleted.
 */
export function replicaCases(kube: TypedKubeClient, prefix: string) {
  let namespace = "";
  const sets: ReplicaSet[] = [];
  beforeEach(async () => {
    namespace = await createTestNamespace(kube, prefix);
  });
  afterEach(async () => {
    await Promise.all(sets.splice(0).map((set) => set.stopAll()));
    await deleteTestNamespace(kube, namespace);
  });
  return {
    get namespace(): string {
      return namespace;
    },
    start(env: Record<string, string> = {}, leaseName?: string): ReplicaSet {
      const set = new ReplicaSet(kube, namespace, env, leaseName);
      sets.push(set);
      return set;
    },
  };
}
