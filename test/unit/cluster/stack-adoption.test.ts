import { describe, expect, it } from "bun:test";
import type { V1Service } from "@kubernetes/client-node";
import { stackAdoption } from "../../../src/cluster/stack-adoption.ts";
import { stackService } from "../../../src/cluster/stack-resources.ts";
import { silentLogger } from "../../../src/log/logger.ts";
import type { StoredStack } from "../../../src/stacks/stack-record.ts";
import { clusterIdentity } from "../../helpers/stack-fixtures.ts";

const stackId = "stack-00000000000000a1";
const nodes = { has: () => true, externalIp: () => "203.0.113.11" };

function adoption(finished: string[] = []) {
  const restored: StoredStack[] = [];
  const adopted: Array<{ stackId: string; ports: number[] }> = [];
  const adopt = stackAdoption({
    actors: {
      restore: (stacks) => restored.push(...stacks),
      finishedRecently: (id) => finished.includes(id),
    },
    ports: { adopt: (id, ports) => adopted.push({ stackId: id, ports }) },
    nodes,
    logger: silentLogger,
    now: () => Date.parse("2026-11-28T20:30:00.000Z"),
  });
  return { adopt, restored, adopted };
}

describe("stackAdoption", () => {
  it("makes a stack of a Service another writer committed, with the ports its Service holds", () => {
    const { adopt, restored, adopted } = adoption();
    expect(adopt(stackService(clusterIdentity(stackId), [31007], "stackd"), undefined)).toBe(true);
    expect(restored.map((stack) => [stack.stack_id, stack.acknowledged])).toEqual([[stackId, true]]);
    expect(adopted).toEqual([{ stackId, ports: [31007] }]);
  });

  it("refuses a Service with no record: it is an orphan for the sweep", () => {
    const { adopt, restored } = adoption();
    const service: V1Service = stackService(clusterIdentity(stackId), [31007], "stackd");
    delete service.metadata?.annotations?.["stackd.io/record"];
    expect(adopt(service, undefined)).toBe(false);
    expect(restored).toEqual([]);
  });

  it("refuses the Service of a stack that just ended here, so a late watch event does not bring it back", () => {
    const { adopt, restored, adopted } = adoption([stackId]);
    expect(adopt(stackService(clusterIdentity(stackId), [31007], "stackd"), undefined)).toBe(false);
    expect(restored).toEqual([]);
    expect(adopted).toEqual([]);
  });

  it("leases no NodePort for a stack reached through the edge, and keeps its hostname", () => {
    const { adopt, restored, adopted } = adoption();
    const exposure = {
      mode: "gateway" as const,
      hostname: "abcdefghijklm.inst.example.org",
      public_port: 443,
    };
    const identity = { ...clusterIdentity(stackId), exposure };
    expect(adopt(stackService(identity, [443], "stackd"), undefined)).toBe(true);
    expect(adopted).toEqual([{ stackId, ports: [] }]);
    expect(restored[0]?.exposure).toEqual(exposure);
    expect(restored[0]?.node_public_ip).toBe("abcdefghijklm.inst.example.org");
    expect(restored[0]?.ports[0]?.node_port).toBe(443);
  });
});
