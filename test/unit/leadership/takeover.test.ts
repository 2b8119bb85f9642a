import { describe, expect, it } from "bun:test";
import type { PodState } from "../../../src/cluster/cluster-records.ts";
import { takeOverFromView } from "../../../src/leadership/takeover.ts";
import type { StoredStack } from "../../../src/stacks/stack-record.ts";
import { storedStackFixture } from "../../helpers/stack-fixtures.ts";

/** A view whose stacks have no Pod state yet. */
function* noPods(): Generator<[string, PodState]> {}

function parts(stacks: StoredStack[], clusterNodePorts: () => Promise<number[]>) {
  const calls: string[] = [];
  const failures: unknown[] = [];
  const portsMarked = Promise.withResolvers<void>();
  const portsFailed = Promise.withResolvers<void>();
  return {
    calls,
    failures,
    /** Settle when the takeover, after it returned, marks the cluster's ports taken or reports the list failed. */
    portsMarked: portsMarked.promise,
    portsFailed: portsFailed.promise,
    parts: {
      view: { stacks: () => stacks, podStates: noPods },
      store: { replaceAll: (all: StoredStack[]) => calls.push(`store ${all.length}`) },
      ports: {
        sync: (taken: number[], leases: Array<{ port: number }> = []) =>
          calls.push(`sync taken=${taken.length} leases=${leases.map((lease) => lease.port).join(",")}`),
        learnClusterPorts: (list: Promise<number[]>) =>
          list.then((taken) => {
            calls.push(`taken ${taken.join(",")}`);
            portsMarked.resolve();
          }),
      },
      hostPorts: { adoptStacks: (all: readonly StoredStack[]) => calls.push(`host ports ${all.length}`) },
      actors: {
        restore: (all: StoredStack[]) => calls.push(`restore ${all.length}`),
        podChanged: () => {},
        nodeDeleted: () => {},
        requestDelete: (stackId: string) => calls.push(`delete ${stackId}`) > 0,
      },
      clusterNodePorts,
      onClusterPortsFailed: (error: unknown) => {
        failures.push(error);
        portsFailed.resolve();
      },
    },
  };
}

describe("takeOverFromView", () => {
  it("runs the actors without waiting for the cluster-wide NodePort list, then marks its ports taken", async () => {
    let answer: (ports: number[]) => void = () => {};
    const list = new Promise<number[]>((resolve) => {
      answer = resolve;
    });
    const stack = storedStackFixture("stack-a");
    const { calls, portsMarked, parts: takeover } = parts([stack], () => list);
    const taken = takeOverFromView(takeover);
    expect(taken.stacks).toBe(1);
    expect(calls).toEqual(["store 1", "sync taken=0 leases=31001", "host ports 1", "restore 1"]);
    answer([31001, 31500]);
    await portsMarked;
    expect(calls.at(-1)).toBe("taken 31001,31500");
  });

  it("reports a failed cluster-wide list and still takes over", async () => {
    const {
      calls,
      failures,
      portsFailed,
      parts: takeover,
    } = parts([], () => Promise.reject(new Error("forbidden")));
    takeOverFromView(takeover);
    expect(calls).toContain("restore 0");
    await portsFailed;
    expect(String(failures[0])).toContain("forbidden");
  });

  it("finishes the teardown of stacks whose Service was being deleted", async () => {
    const deleting = storedStackFixture("stack-b", { status: "stopped", status_reason: "deleted" });
    const { calls, parts: takeover } = parts([deleting], async () => []);
    takeOverFromView(takeover);
    expect(calls).toContain("delete stack-b");
  });
});
