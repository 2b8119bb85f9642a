import { afterAll, beforeAll, describe, expect, it } from "bun:test";
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
  snapshot?: { value: unknown; context?: { stackId?: string; min?: number } };
}

const kube = testKubeClient();
const work = mkdtempSync(join(tmpdir(), "stackd-inspect-"));
const relayPort = freePort();
let namespace = "";
let relay: { stop(): void } | undefined;
let stackd: StackdProcess | undefined;
const seen: InspectionMessage[] = [];

beforeAll(async () => {
  namespace = await createTestNamespace(kube, "inspect");
  relay = createInspectorServer({ port: relayPort, autoOpen: false });
  // Connect the way the relay's inspector page does, and record everything it forwards.
  const viewer = new WebSocket(`ws://127.0.0.1:${relayPort}`);
  viewer.addEventListener("message", (event) =>
    seen.push(JSON.parse(String(event.data)) as InspectionMessage),
  );
  await new Promise((resolve) => viewer.addEventListener("open", resolve));
  stackd = new StackdProcess(namespace, work, { STACKD_INSPECT: `ws://127.0.0.1:${relayPort}` });
  await stackd.start();
});

afterAll(async () => {
  await stackd?.kill();
  relay?.stop();
  await deleteTestNamespace(kube, namespace);
  rmSync(work, { recursive: true, force: true });
});

const api = (path: string, init: RequestInit = {}) => (stackd as StackdProcess).api(path, init);

describe("Stately inspector (STACKD_INSPECT)", () => {
  it("shows a stack actor created, its snapshots and its transitions creating → running → stopped", async () => {
    const created = (await (
      await api("/stacks", {
        method: "POST",
        body: JSON.stringify({ target_port: 80, pod_spec: podSpecYaml() }),
      })
    ).json()) as { stack_id: string };
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

  it("shows the port allocator actor too", () => {
    expect(seen.some((m) => m.type === "@xstate.snapshot" && m.snapshot?.context?.min !== undefined)).toBe(
      true,
    );
  });
});
