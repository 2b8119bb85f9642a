import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, readlinkSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import type { V1Lease } from "@kubernetes/client-node";
import { eventually, namespacePerCase, testKubeClient } from "../../helpers/cluster.ts";
import { createStack, holdsThroughout, missingStacks } from "../../helpers/create-load.ts";
import { StackdProcess } from "../../helpers/stackd-process.ts";

/** This host's pid namespace, which the Lease names with the holder's pid. */
const pidNamespace = readlinkSync("/proc/self/ns/pid");

/**
 * A single stackd (no leader election) against the shared control plane: unlike faults.test.ts, these
 * tests stop no part of it, only processes and a namespace of their own.
 */
const kube = testKubeClient();
const newNamespace = namespacePerCase(kube, "second");
const work = mkdtempSync(join(tmpdir(), "stackd-second-"));
const started: StackdProcess[] = [];

afterAll(async () => {
  await Promise.all(started.map((process) => process.kill()));
  rmSync(work, { recursive: true, force: true });
});

const leaseDurationMs = 15_000;
const orphanGraceMs = 2_000;
const sweepIntervalMs = 1_000;
/** The default lease name and timings, but quick sweeps: a second writer would sweep within the test. */
const env = {
  LEADER_ELECTION_LEASE_DURATION: `${leaseDurationMs}ms`,
  LEADER_ELECTION_RENEW_DEADLINE: "10s",
  LEADER_ELECTION_RETRY_PERIOD: "1s",
  STACK_ORPHAN_GRACE: `${orphanGraceMs}ms`,
  STACK_SCHEDULER_INTERVAL: `${sweepIntervalMs}ms`,
};

function stackdOn(namespace: string, dataDir: string, extra: Record<string, string> = {}): StackdProcess {
  const process = new StackdProcess(namespace, dataDir, { ...env, ...extra });
  started.push(process);
  return process;
}

async function instanceLease(namespace: string): Promise<V1Lease | undefined> {
  return kube.transport
    .send<V1Lease>("GET", `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/container-provisioner`)
    .catch(() => undefined);
}

/** A running stackd with one stack created through it. */
async function firstWithStack(namespace: string) {
  const dataDir = mkdtempSync(join(work, "db-"));
  const first = stackdOn(namespace, dataDir);
  await first.startUntilReady();
  const created = await createStack(first);
  expect(created.status).toBe(201);
  return { first, dataDir, stackId: created.stackId ?? "" };
}

describe("a second stackd on the same instance or database", () => {
  it("refuses a second process on the same instance with another database (exit 1, `is held by`), and the first one's stacks survive", async () => {
    const namespace = await newNamespace();
    const { first, stackId } = await firstWithStack(namespace);
    const holder = (await instanceLease(namespace))?.spec?.holderIdentity ?? "";
    expect(holder).not.toBe("");
    const spawned = Date.now();
    const secondProcess = stackdOn(namespace, mkdtempSync(join(work, "db-")));
    let exited = false;
    const exit = secondProcess.runToExit(leaseDurationMs + 5_000).finally(() => {
      exited = true;
    });
    // A stack the second one cannot have read at its start: were it running, its sweep would delete it.
    await eventually("the second process to be up", async () =>
      exited || (await fetch(`${secondProcess.base}/livez`).catch(() => undefined))?.ok ? true : undefined,
    );
    const later = await createStack(first);
    expect(later.status).toBe(201);
    const createdLater = Date.now();
    const second = await exit;
    expect(second.exitCode).toBe(1);
    expect(Date.now() - spawned).toBeLessThan(leaseDurationMs + 5_000);
    expect(second.stderr).toContain(`instance stackd is held by ${holder} since `);
    await holdsThroughout(
      "the first one's stacks to exist",
      () => missingStacks(kube, namespace, first, [stackId, later.stackId ?? ""]),
      orphanGraceMs + 2 * sweepIntervalMs - (Date.now() - createdLater),
    );
    expect((await instanceLease(namespace))?.spec?.holderIdentity).toBe(holder);
  }, 60_000);

  it("refuses a second process on the same database file (exit 1, `is in use`) even on another Lease", async () => {
    const namespace = await newNamespace();
    const { first, dataDir, stackId } = await firstWithStack(namespace);
    const second = await stackdOn(namespace, dataDir, { LEADER_ELECTION_NAME: "another-lease" }).runToExit();
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toContain(
      `the database ${join(dataDir, "stackd.db")} is in use by another stackd process`,
    );
    expect(await missingStacks(kube, namespace, first, [stackId])).toEqual([]);
    expect(await createStack(first)).toMatchObject({ status: 201 });
  }, 60_000);

  it("starts a new process at once after the holder stopped gracefully (SIGTERM releases the Lease)", async () => {
    const namespace = await newNamespace();
    const { first, dataDir, stackId } = await firstWithStack(namespace);
    first.child?.kill("SIGTERM");
    expect(await first.child?.exited).toBe(0);
    expect((await instanceLease(namespace))?.spec?.holderIdentity).toBe("");
    const next = stackdOn(namespace, dataDir);
    const readyMs = await next.startUntilReady();
    // Waiting for the Lease to expire would take a whole lease duration.
    expect(readyMs).toBeLessThan(leaseDurationMs);
    expect(await missingStacks(kube, namespace, next, [stackId])).toEqual([]);
  }, 60_000);

  it("starts a new process on the same host at once after the holder was killed (SIGKILL): the Lease names a dead pid", async () => {
    const namespace = await newNamespace();
    const { first, dataDir, stackId } = await firstWithStack(namespace);
    const annotations = (await instanceLease(namespace))?.metadata?.annotations ?? {};
    expect(annotations["stackd.io/holder-process"]).toBe(`${hostname()}/${pidNamespace}/${first.child?.pid}`);
    await first.kill();
    const next = stackdOn(namespace, dataDir);
    const readyMs = await next.startUntilReady();
    expect(readyMs).toBeLessThan(leaseDurationMs);
    const lease = await eventually("the new process to hold the Lease", async () => {
      const current = await instanceLease(namespace);
      const process = current?.metadata?.annotations?.["stackd.io/holder-process"];
      return process === `${hostname()}/${pidNamespace}/${next.child?.pid}` ? current : undefined;
    });
    expect(lease.spec?.holderIdentity).not.toBe("");
    expect(await missingStacks(kube, namespace, next, [stackId])).toEqual([]);
  }, 60_000);
});
