import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInspectorServer } from "@statelyai/inspect/server";
import type { Subprocess } from "bun";
import { freePort } from "../../../tools/cluster/processes.ts";
import {
  createTestNamespace,
  deleteTestNamespace,
  eventually,
  testKubeClient,
  testKubeconfigPath,
} from "../../helpers/cluster.ts";
import { podSpecYaml, testApiKey } from "../../helpers/stackd.ts";

interface InspectionMessage {
  type: string;
  sessionId: string;
  snapshot?: { value: unknown; context?: { stackId?: string; min?: number } };
}

const kube = testKubeClient();
const repo = resolve(import.meta.dir, "../../..");
const work = mkdtempSync(join(tmpdir(), "stackd-inspect-"));
const relayPort = freePort();
const apiPort = freePort();
let namespace = "";
let relay: { stop(): void } | undefined;
let stackd: Subprocess | undefined;
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
  stackd = Bun.spawn(["bun", "src/main.ts"], {
    cwd: repo,
    env: {
      ...process.env,
      API_KEY: testApiKey,
      HTTP_ADDR: `127.0.0.1:${apiPort}`,
      STACK_NAMESPACE: namespace,
      DB_PATH: join(work, "stackd.db"),
      K8S_KUBECONFIG: testKubeconfigPath(),
      STACKD_INSPECT: `ws://127.0.0.1:${relayPort}`,
      LOG_LEVEL: "warn",
    },
    stdout: "ignore",
    stderr: "inherit",
  });
  await eventually("stackd", async () => {
    const response = await fetch(`http://127.0.0.1:${apiPort}/healthz?api_key=${testApiKey}`).catch(
      () => undefined,
    );
    return response?.ok ? true : undefined;
  });
});

afterAll(async () => {
  stackd?.kill("SIGKILL");
  relay?.stop();
  await deleteTestNamespace(kube, namespace);
  rmSync(work, { recursive: true, force: true });
});

const api = (path: string, init: RequestInit = {}) =>
  fetch(`http://127.0.0.1:${apiPort}${path}`, {
    ...init,
    headers: { "x-api-key": testApiKey, "content-type": "application/json" },
  });

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
