import { afterAll, afterEach, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInspectorServer } from "@statelyai/inspect/server";
import { freePort } from "../../../tools/cluster/processes.ts";
import {
  createTestNamespace,
  deleteTestNamespace,
  eventually,
  testKubeClient,
} from "../../helpers/cluster.ts";
import { podSpecYaml } from "../../helpers/stackd.ts";
import { StackdProcess } from "../../helpers/stackd-process.ts";

interface InspectionMessage {
  type: string;
  sessionId: string;
  snapshot?: {
    value: unknown;
    context?: { stackId?: string; min?: number; portOf?: Record<string, number[]> };
  };
}

const kube = testKubeClient();
const work = mkdtempSync(join(tmpdir(), "stackd-inspect-"));
const relayPort = freePort();
let namespace = "";
let relay: { stop(): void } | undefined;
let stackd: StackdProcess | undefined;
const viewers: WebSocket[] = [];

beforeAll(async () => {
  namespace = await createTestNamespace(kube, "inspect");
  relay = createInspectorServer({ port: relayPort, autoOpen: false });
  stackd = new StackdProcess(namespace, work, { STACKD_INSPECT: `ws://127.0.0.1:${relayPort}` });
  await stackd.start();
});

afterEach(() => {
  for (const viewer of viewers.splice(0)) viewer.close();
});

afterAll(async () => {
  await stackd?.kill();
  relay?.stop();
  await deleteTestNamespace(kube, namespace);
  rmSync(work, { recursive: true, force: true });
});

const api = (path: string, init: RequestInit = {}) => (stackd as StackdProcess).api(path, init);

/** Connects to the relay the way its inspector page does; the list fills with everything it forwards. */
async function openViewer(): Promise<InspectionMessage[]> {
  const seen: InspectionMessage[] = [];
  const viewer = new WebSocket(`ws://127.0.0.1:${relayPort}`);
  viewers.push(viewer);
  viewer.addEventListener("message", (event) =>
    seen.push(JSON.parse(String(event.data)) as InspectionMessage),
  );
  await new Promise((resolve) => viewer.addEventListener("open", resolve));
  return seen;
}

async function createStack(): Promise<{ stack_id: string; node_port: number }> {
  const response = await api("/stacks", {
    method: "POST",
    body: JSON.stringify({ target_port: 80, pod_spec: podSpecYaml() }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { stack_id: string; node_port: number };
}

describe("Stately inspector (STACKD_INSPECT)", () => {
  it("shows a stack actor created, its snapshots and its transitions creating → running → deleting → removed", async () => {
    const seen = await openViewer();
    const created = await createStack();
    await eventually("running", async () => {
      const status = (await (await api(`/stacks/${created.stack_id}/status`)).json()) as { status: string };
      return status.status === "running" ? true : undefined;
    });
    await api(`/stacks/${created.stack_id}`, { method: "DELETE" });

    const values = await eventually("the stack's final snapshot", async () => {
      const session = seen.find(
        (m) => m.type === "@xstate.snapshot" && m.snapshot?.context?.stackId === created.stack_id,
      );
      if (!session) return undefined;
      const mine = seen.filter((m) => m.sessionId === session.sessionId);
      const snapshots = mine
        .filter((m) => m.type === "@xstate.snapshot")
        .map((m) => JSON.stringify(m.snapshot?.value));
      return snapshots.includes('"removed"') ? { mine, snapshots } : undefined;
    });
    expect(values.mine.some((m) => m.type === "@xstate.actor")).toBe(true);
    const order = [
      '{"live":{"creating":"provisioning"}}',
      '{"live":{"running":"serving"}}',
      '"deleting"',
      '"removed"',
    ];
    const positions = order.map((value) => values.snapshots.indexOf(value));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(values.mine.some((m) => m.type === "@xstate.event")).toBe(true);
  });

  it("shows the port allocator actor too, with the lease it grants", async () => {
    const seen = await openViewer();
    const created = await createStack();
    try {
      const lease = await eventually("the port allocator's snapshot with the new lease", async () =>
        seen.find(
          (m) =>
            m.type === "@xstate.snapshot" &&
            m.snapshot?.context?.min !== undefined &&
            m.snapshot.context.portOf?.[created.stack_id] !== undefined,
        ),
      );
      expect(lease.snapshot?.context?.portOf?.[created.stack_id]).toEqual([created.node_port]);
    } finally {
      await api(`/stacks/${created.stack_id}`, { method: "DELETE" });
    }
  });
});
