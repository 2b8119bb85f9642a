import { describe, expect, it } from "bun:test";
import { eventually, testKubeClient } from "../../helpers/cluster.ts";
import { type ReplicaSet, replicaCases, testLease } from "../../helpers/replicas.ts";
import { podSpecYaml, testApiKey } from "../../helpers/stackd.ts";
import type { StackdProcess } from "../../helpers/stackd-process.ts";

const kube = testKubeClient();
const cases = replicaCases(kube, "fwd");
let set: ReplicaSet;

const body = () => JSON.stringify({ target_port: 80, pod_spec: podSpecYaml() });

/** A create with the API key and the given extra headers, as any client could send it. */
function createWith(replica: StackdProcess, headers: Record<string, string> = {}) {
  return fetch(`${replica.base}/stacks`, {
    method: "POST",
    headers: { "x-api-key": testApiKey, "content-type": "application/json", ...headers },
    body: body(),
  });
}

async function serviceIds(): Promise<string[]> {
  const services = await kube.core.listNamespacedService({ namespace: cases.namespace });
  return services.items.map((service) => service.metadata?.labels?.["stackd.io/stack-id"] ?? "");
}

describe("forwarding headers between replicas", () => {
  it("answers 400 to a client that sends x-stackd-stack-id or another forwarding header, on a follower and on the leader, and creates nothing", async () => {
    set = cases.start();
    for (let index = 0; index < 2; index += 1) await set.add();
    const leader = await set.leader();
    const follower = set.replicas.find((replica) => replica !== leader) as StackdProcess;
    const chosen = "stack-00000000000c0ffe";
    const forged: Array<Record<string, string>> = [
      { "x-stackd-stack-id": chosen },
      { "x-stackd-forwarded-by": "replica-0", "x-stackd-stack-id": chosen },
      { "x-stackd-forwarded-by": "replica-1", "x-stackd-stack-id": chosen },
      {
        "x-stackd-forwarded-by": "replica-1",
        "x-stackd-stack-id": chosen,
        "x-stackd-forwarded-at": String(Date.now()),
        "x-stackd-signature": "ab".repeat(32),
      },
    ];
    for (const replica of [follower, leader])
      for (const headers of forged) {
        const answer = await createWith(replica, headers);
        expect(
          `${replica === leader ? "leader" : "follower"} ${JSON.stringify(headers)} ${answer.status}`,
        ).toEndWith(" 400");
      }
    // The signed path still works: a create through the follower gets the id the follower chose.
    const created = await createWith(follower);
    expect(created.status).toBe(201);
    expect(await serviceIds()).not.toContain(chosen);
  }, 90_000);

  it("answers a create forwarded to a SIGSTOPped leader within the lease duration plus 3 s", async () => {
    set = cases.start();
    for (let index = 0; index < 2; index += 1) await set.add();
    const leader = await set.leader();
    const follower = set.replicas.find((replica) => replica !== leader) as StackdProcess;
    leader.child?.kill("SIGSTOP");
    const sent = performance.now();
    const answer = await createWith(follower);
    const waitedMs = performance.now() - sent;
    // A frozen leader's socket accepts and never answers; the follower takes the Lease after its duration.
    expect([201, 503]).toContain(answer.status);
    if (answer.status === 503) expect(answer.headers.get("retry-after")).toBe("1");
    expect(waitedMs).toBeLessThan(testLease.durationMs + 3_000 + 500);
    // And the follower, now leader, takes the retry.
    await eventually(
      "the follower to take a create itself",
      async () => ((await createWith(follower)).status === 201 ? true : undefined),
      30_000,
    );
  }, 90_000);
});
