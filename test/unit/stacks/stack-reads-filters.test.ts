import { describe, expect, it } from "bun:test";
import { cursorOf, noFilter, positionOfCursor, type StackFilter } from "../../../src/stacks/stack-filter.ts";
import { StackReads } from "../../../src/stacks/stack-reads.ts";
import type { StoredStack } from "../../../src/stacks/stack-record.ts";
import type { StackUpdate } from "../../../src/stacks/stack-update.ts";

const stack = (index: number, overrides: Partial<StoredStack> = {}): StoredStack => {
  const stackId = `stack-${index.toString(16).padStart(16, "0")}`;
  return {
    stack_id: stackId,
    pod_id: stackId,
    namespace: "stacks",
    node_id: index % 2 === 0 ? "node-a" : "node-b",
    node_public_ip: null,
    pod_spec: "kind: Pod\n",
    target_port: 80,
    node_port: 31000 + index,
    service_name: `svc-${stackId}`,
    status: index % 3 === 0 ? "running" : "creating",
    status_reason: null,
    ttl_expires_at: "2026-11-28T22:00:00.000Z",
    // Two stacks share each creation time, so the id breaks ties.
    created_at: new Date(Date.parse("2026-11-28T20:00:00.000Z") + Math.floor(index / 2) * 1000).toISOString(),
    updated_at: "2026-11-28T20:00:00.000Z",
    requested_cpu_milli: 100,
    requested_memory_bytes: 1024,
    ports: [{ container_port: 80, protocol: "TCP", node_port: 31000 + index }],
    labels: { team: String(index % 4), challenge: "web" },
    endpoints: [],
    acknowledged: true,
    ...overrides,
  };
};

function readsOf(stacks: StoredStack[]) {
  let listener: ((update: StackUpdate) => void) | undefined;
  const reads = new StackReads(
    {
      onUpdate: (next) => {
        listener = next;
        return () => {};
      },
    },
    () => 99,
  );
  const send = (update: StackUpdate) => listener?.(update);
  // Restored in an order other than creation, as a cluster view may see them.
  for (const stored of [...stacks].reverse()) send({ kind: "restored", stack: stored, at: 0 });
  return { reads, send };
}

const ids = (bytes: Uint8Array) =>
  (JSON.parse(new TextDecoder().decode(bytes)) as { stacks: Array<{ stack_id: string }> }).stacks.map(
    (record) => record.stack_id,
  );
const body = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes));
const filter = (overrides: Partial<StackFilter>): StackFilter => ({ ...noFilter, ...overrides });

describe("StackReads filters and pages", () => {
  const stacks = Array.from({ length: 20 }, (_, index) => stack(index));

  it("answers the contract's list unchanged without parameters", () => {
    const { reads } = readsOf(stacks);
    expect(reads.list(noFilter)).toBe(reads.listBytes());
    expect(Object.keys(body(reads.list(noFilter)))).toEqual(["stacks"]);
  });

  it("filters by every label pair, any status and any node", () => {
    const { reads } = readsOf(stacks);
    const byLabels = (...pairs: Array<[string, string]>) => ids(reads.list(filter({ labels: pairs })));
    const team1 = byLabels(["team", "1"]);
    expect(team1).toHaveLength(5);
    expect(byLabels(["team", "1"], ["challenge", "web"])).toEqual(team1);
    expect(byLabels(["team", "1"], ["challenge", "pwn"])).toEqual([]);
    expect(ids(reads.list(filter({ statuses: new Set(["running"]) })))).toHaveLength(7);
    expect(ids(reads.list(filter({ nodes: new Set(["node-a"]), labels: [["team", "1"]] })))).toEqual([]);
    expect(body(reads.list(filter({ labels: [["team", "1"]] }))).next_cursor).toBeUndefined();
  });

  it("pages in creation order then id, with a cursor that survives creates and deletes elsewhere", () => {
    const { reads, send } = readsOf(stacks);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = body(
        reads.list(noFilter, { limit: 6, after: cursor ? (positionOfCursor(cursor) ?? null) : null }),
      );
      seen.push(...page.stacks.map((record: { stack_id: string }) => record.stack_id));
      cursor = page.next_cursor;
      pages += 1;
      // A stack before the cursor goes away and one is created after it: no page shifts.
      if (pages === 1) {
        send({
          kind: "removed",
          stack: stacks[0] as StoredStack,
          previousStatus: "running",
          reason: "deleted",
          at: 0,
        });
        send({ kind: "created", stack: stack(99, { created_at: "2026-11-28T23:00:00.000Z" }), at: 0 });
      }
    } while (cursor);
    expect(pages).toBe(4);
    expect(seen).toEqual([...stacks.map((stored) => stored.stack_id), stack(99).stack_id]);
  });

  it("gives next_cursor null on the last page and pages within a filter", () => {
    const { reads } = readsOf(stacks);
    const first = body(reads.list(filter({ labels: [["team", "2"]] }), { limit: 3, after: null }));
    expect(first.stacks).toHaveLength(3);
    const last = stacks.find((stored) => stored.stack_id === first.stacks[2].stack_id) as StoredStack;
    expect(first.next_cursor).toBe(cursorOf({ createdAt: last.created_at, stackId: last.stack_id }));
    const second = body(
      reads.list(filter({ labels: [["team", "2"]] }), {
        limit: 3,
        after: { createdAt: last.created_at, stackId: last.stack_id },
      }),
    );
    expect(second.stacks).toHaveLength(2);
    expect(second.next_cursor).toBeNull();
  });

  it("counts only matching stacks in filtered stats, with the NodePorts they hold", () => {
    const { reads } = readsOf(stacks);
    expect(reads.stats().used_node_ports).toBe(99);
    const stats = reads.stats(filter({ labels: [["team", "0"]] }));
    expect(stats.total_stacks).toBe(5);
    expect(stats.used_node_ports).toBe(5);
    expect(stats.active_stacks).toBe(5);
    expect(stats.node_distribution).toEqual({ "node-a": 5 });
  });
});
