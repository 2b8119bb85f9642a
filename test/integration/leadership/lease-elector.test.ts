import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import type { V1Lease } from "@kubernetes/client-node";
import { leaderUrlAnnotation } from "../../../src/leadership/lease-client.ts";
import { LeaseElector } from "../../../src/leadership/lease-elector.ts";
import { silentLogger } from "../../../src/log/logger.ts";
import {
  createTestNamespace,
  deleteTestNamespace,
  eventually,
  testKubeClient,
} from "../../helpers/cluster.ts";
import { holdsThroughout } from "../../helpers/create-load.ts";

const kube = testKubeClient();
let namespace = "";
const electors: LeaseElector[] = [];
const retryPeriodMs = 200;

beforeEach(async () => {
  namespace = await createTestNamespace(kube, "lease");
});

afterEach(async () => {
  await Promise.all(electors.splice(0).map((elector) => elector.stop()));
  await deleteTestNamespace(kube, namespace);
});

function elector(identity: string, events: string[], monotonicNow?: () => number, retryMs = retryPeriodMs) {
  const created = new LeaseElector({
    transport: kube.transport,
    namespace,
    name: "test-lease",
    identity,
    instance: "stackd",
    advertiseUrl: `http://${identity}:8081`,
    leaseDurationMs: 3_000,
    renewDeadlineMs: 2_000,
    retryPeriodMs: retryMs,
    logger: silentLogger,
    onStartedLeading: () => events.push(`${identity} leads`),
    onStoppedLeading: () => events.push(`${identity} stood down`),
    ...(monotonicNow ? { monotonicNow } : {}),
  });
  electors.push(created);
  return created;
}

/** The Lease of a leader that died long ago: a 3 s lease, last renewed in 2020. */
const createDeadLeadersLease = () =>
  kube.transport.send("POST", `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`, {
    body: {
      metadata: { name: "test-lease", namespace },
      spec: { holderIdentity: "dead", leaseDurationSeconds: 3, renewTime: "2020-01-01T00:00:00.000000Z" },
    },
  });

const readLease = () =>
  kube.transport.send<V1Lease>(
    "GET",
    `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/test-lease`,
  );

describe("LeaseElector against the API server", () => {
  it("lets exactly one of two candidates lead, and tells the other where the leader takes writes", async () => {
    const events: string[] = [];
    const a = elector("a", events);
    const b = elector("b", events);
    a.start();
    b.start();
    await eventually("one to lead", async () => (events.length > 0 ? true : undefined));
    // The other candidate tries again every retry period: five of them without a second leader.
    await holdsThroughout(
      "a single leader",
      async () => [
        ...(events.length === 1 ? [] : [`events ${events.join(", ")}`]),
        ...(a.isLeading() && b.isLeading() ? ["both lead"] : []),
      ],
      5 * retryPeriodMs,
    );
    expect(events).toHaveLength(1);
    const [leader, follower] = a.isLeading() ? [a, b] : [b, a];
    expect(follower.isLeading()).toBe(false);
    expect(follower.leader()).toEqual(leader.leader());
    expect((await readLease()).metadata?.annotations?.[leaderUrlAnnotation]).toBe(leader.leader()?.url ?? "");
  });

  it("hands over at once when the leader releases the lease on shutdown", async () => {
    const events: string[] = [];
    const a = elector("a", events);
    a.start();
    await eventually("a to lead", async () => (a.isLeading() ? true : undefined));
    const b = elector("b", events);
    b.start();
    await eventually("b to have read a's Lease", async () =>
      b.leader()?.identity === "a" ? true : undefined,
    );
    const released = performance.now();
    await a.stop();
    await eventually("b to lead", async () => (b.isLeading() ? true : undefined));
    // Under the 3 s lease: b did not wait for it to expire (b retries every 200 ms).
    expect(performance.now() - released).toBeLessThan(2_900);
    expect((await readLease()).spec?.leaseTransitions).toBe(1);
  });

  it("stops counting as leader at its renew deadline, before another may take the lease", async () => {
    const events: string[] = [];
    let offset = 0;
    const a = elector("a", events, () => performance.now() + offset);
    a.start();
    await eventually("a to lead", async () => (a.isLeading() ? true : undefined));
    expect(a.fenceReason()).toBeNull();
    // As after a SIGSTOP: the clock jumped past the renew deadline before any renew could run.
    offset = 2_500;
    expect(a.isLeading()).toBe(false);
    expect(a.fenceReason()).toBe("this replica is not the leader");
    await eventually("a to stand down", async () => (events.includes("a stood down") ? true : undefined));
    expect(a.fenceReason()).toBe("this replica lost its leader lease and no longer writes");
  });

  it("takes over an expired lease only after watching it unchanged for a whole lease duration", async () => {
    const events: string[] = [];
    await createDeadLeadersLease();
    const b = elector("b", events);
    const started = performance.now();
    b.start();
    await eventually("b to lead", async () => (b.isLeading() ? true : undefined), 10_000);
    // The stale renewTime is never trusted: b waits its own 3 s from first seeing the record.
    expect(performance.now() - started).toBeGreaterThan(2_900);
  });

  it("tries again the moment the watched lease expires, not at its next retry tick", async () => {
    const events: string[] = [];
    await createDeadLeadersLease();
    // A retry period far longer than the lease: at its ticks b would only try again after 20 s.
    const b = elector("b", events, undefined, 20_000);
    const started = performance.now();
    b.start();
    await eventually("b to lead", async () => (b.isLeading() ? true : undefined), 15_000);
    const tookMs = performance.now() - started;
    expect(tookMs).toBeGreaterThan(2_900);
    expect(tookMs).toBeLessThan(15_000);
  });
});
