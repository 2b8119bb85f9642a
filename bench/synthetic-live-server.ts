import type { ServerWebSocket } from "bun";
import { dashboardRoutes } from "../src/http/dashboard.routes.ts";
import type {
  SnapshotPartMessage,
  SummaryChangeMessage,
  SummarySnapshotMessage,
} from "../src/live/messages.ts";
import type { StackRecord, StackSummaryRecord } from "../src/stacks/stack-record.ts";

const nodeCount = 20;
const challenges = ["web-login", "pwn-heap", "crypto-rsa", "rev-vm", "misc-jail", "web-ssrf", "pwn-kernel"];
const podSpec = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: challenge\nspec:\n  containers:\n  - name: app\n    image: registry.example/ctf/app:1\n${"    # padding\n".repeat(20)}`;

/** The i-th synthetic stack: mostly running, some failed with a reason, spread over 20 nodes and 500 teams. */
function syntheticStack(
  index: number,
  now: number,
  status?: StackSummaryRecord["status"],
): StackSummaryRecord {
  const failed = index % 37 === 0;
  const hex = index.toString(16).padStart(16, "0");
  const node = `stack-node-${(index % nodeCount) + 1}`;
  return {
    stack_id: `stack-${hex}`,
    pod_id: `stack-${hex}`,
    namespace: "stacks",
    node_id: node,
    node_public_ip: `203.0.113.${(index % nodeCount) + 11}`,
    target_port: 80,
    node_port: 20_000 + index,
    service_name: `svc-stack-${hex}`,
    status: status ?? (failed ? "failed" : "running"),
    status_reason: failed && !status ? "container app exited with code 1 (Error)" : null,
    ttl_expires_at: new Date(now + 7_200_000 - index * 500).toISOString(),
    created_at: new Date(now - index * 500).toISOString(),
    updated_at: new Date(now - index * 400).toISOString(),
    requested_cpu_milli: 100,
    requested_memory_bytes: 134_217_728,
    ports: [{ container_port: 80, protocol: "TCP", node_port: 20_000 + index }],
    labels: { team: `team-${index % 500}`, challenge: challenges[index % challenges.length] ?? "web" },
    endpoints: [],
  };
}

/**
 * A stand-in for stackd that serves the real dashboard and speaks the live stream's protocol
 * (`fields=summary`), with `count` synthetic stacks and bursts of creates on demand: the dashboard
 * benchmark's feed, since 10,000 real stacks take minutes to create.
 */
/** What the synthetic server keeps per socket: the snapshot slice the dashboard asked for (0: none). */
interface SocketData {
  slice: number;
}

export function startSyntheticStackd(count: number) {
  const now = Date.now();
  const stacks = new Map<string, StackSummaryRecord>();
  for (let index = 0; index < count; index += 1) {
    const stack = syntheticStack(index, now);
    stacks.set(stack.stack_id, stack);
  }
  let seq = 1_000;
  let nextIndex = count;
  const sockets = new Set<ServerWebSocket<SocketData>>();
  const dashboard = dashboardRoutes();
  const broadcast = (stack: StackSummaryRecord, previous: SummaryChangeMessage["previous_status"]) => {
    seq += 1;
    const message: SummaryChangeMessage = {
      type: "change",
      seq,
      stack_id: stack.stack_id,
      status: stack.status,
      previous_status: previous,
      reason: previous === null ? "created" : null,
      at: new Date().toISOString(),
      stack,
    };
    const text = JSON.stringify(message);
    for (const socket of sockets) socket.send(text);
  };
  const json = (body: unknown) => Response.json(body);

  const server = Bun.serve<SocketData>({
    port: 0,
    hostname: "127.0.0.1",
    fetch(request, bunServer) {
      const { pathname, searchParams } = new URL(request.url);
      const slice = Number(searchParams.get("snapshot_slice") ?? 0);
      if (pathname === "/ws/stacks")
        return bunServer.upgrade(request, { data: { slice } })
          ? undefined
          : new Response("", { status: 400 });
      if (pathname === "/dashboard" || pathname.startsWith("/dashboard/")) return dashboard.handle(request);
      if (pathname === "/healthz") return json({ status: "ok" });
      if (pathname === "/stats") return json(statsOf(stacks));
      const stack = stacks.get(pathname.replace("/stacks/", ""));
      if (stack) return json({ ...stack, pod_spec: podSpec } satisfies StackRecord);
      return Response.json({ error: "not found" }, { status: 404 });
    },
    websocket: {
      open(socket) {
        sockets.add(socket);
        const all = [...stacks.values()];
        const { slice } = socket.data;
        if (slice > 0) {
          // As stackd sends it with `snapshot_slice`: parts of at most `slice` records, at least one.
          const parts = Math.max(1, Math.ceil(all.length / slice));
          for (let part = 1; part <= parts; part += 1) {
            const message: SnapshotPartMessage = {
              type: "snapshot_part",
              seq,
              part,
              parts,
              stacks: all.slice((part - 1) * slice, part * slice),
            };
            socket.send(JSON.stringify(message));
          }
          return;
        }
        const snapshot: SummarySnapshotMessage = { type: "snapshot", seq, stacks: all };
        socket.send(JSON.stringify(snapshot));
      },
      message() {},
      close(socket) {
        sockets.delete(socket);
      },
    },
  });

  return {
    url: `http://127.0.0.1:${server.port}`,
    /** Sends `size` creates at once, then each one's turn to running spread over `runningWithinMs`. */
    burst(size: number, runningWithinMs: number): void {
      for (let created = 0; created < size; created += 1) {
        const stack = syntheticStack(nextIndex, Date.now(), "creating");
        nextIndex += 1;
        stacks.set(stack.stack_id, stack);
        broadcast(stack, null);
        setTimeout(() => {
          const running: StackSummaryRecord = {
            ...stack,
            status: "running",
            updated_at: new Date().toISOString(),
          };
          stacks.set(stack.stack_id, running);
          broadcast(running, "creating");
        }, Math.random() * runningWithinMs);
      }
    },
    stop: () => server.stop(true),
  };
}

function statsOf(stacks: Map<string, StackSummaryRecord>) {
  const nodes: Record<string, number> = {};
  let active = 0;
  for (const stack of stacks.values()) {
    if (stack.status !== "running" && stack.status !== "creating") continue;
    active += 1;
    nodes[stack.node_id] = (nodes[stack.node_id] ?? 0) + 1;
  }
  return {
    total_stacks: stacks.size,
    active_stacks: active,
    used_node_ports: stacks.size,
    reserved_cpu_milli: active * 100,
    reserved_memory_bytes: active * 134_217_728,
    node_distribution: nodes,
  };
}
