import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { Value } from "@sinclair/typebox/value";
import { LiveMessage } from "../../../src/live/messages.ts";
import { deleteTestNamespace, testKubeClient } from "../../helpers/cluster.ts";
import { podSpecYaml, startTestStackd, type TestStackd, testApiKey } from "../../helpers/stackd.ts";
import { LiveClient } from "../../helpers/ws-client.ts";

const kube = testKubeClient();
let service: TestStackd;
let base = "";

beforeAll(async () => {
  service = await startTestStackd(kube, { LIVE_HEARTBEAT: "300ms", LIVE_HISTORY_SIZE: "50" });
  const server = service.stackd.listen(0);
  base = `ws://127.0.0.1:${server.port}/ws/stacks`;
});

afterAll(async () => {
  await service.stop();
  await deleteTestNamespace(kube, service.namespace);
});

const create = async () =>
  (await service.call("POST", "/stacks", { target_port: 80, pod_spec: podSpecYaml() })).body;

describe("/ws/stacks", () => {
  it("refuses a wrong key before sending any data", async () => {
    const client = new LiveClient(`${base}?api_key=wrong`);
    expect(await client.opened()).toBe(false);
    expect(client.messages).toHaveLength(0);
  });

  it("accepts the key as an X-API-KEY header too", async () => {
    const client = new LiveClient(base, { "x-api-key": testApiKey });
    expect(await client.opened()).toBe(true);
    await client.waitFor("the snapshot", () => client.messages[0]);
    client.close();
  });

  it("sends a snapshot, then each change in order with the stack record", async () => {
    const existing = await create();
    const client = new LiveClient(`${base}?api_key=${testApiKey}`);
    const snapshot = await client.waitFor("the snapshot", () => client.messages[0]);
    expect(snapshot.type).toBe("snapshot");
    if (snapshot.type !== "snapshot") throw new Error("no snapshot");
    expect(snapshot.stacks.map((stack) => stack.stack_id)).toContain(existing.stack_id);

    const created = await create();
    const running = await client.waitFor("running", () =>
      client.changes().find((change) => change.stack_id === created.stack_id && change.status === "running"),
    );
    const mine = client.changes().filter((change) => change.stack_id === created.stack_id);
    expect(mine[0]).toMatchObject({ status: "creating", previous_status: null, reason: "created" });
    expect(running.previous_status).toBe("creating");
    expect(running.stack.status).toBe("running");
    const seqs = client.changes().map((change) => change.seq);
    expect(seqs[0]).toBe(snapshot.seq + 1);
    expect(seqs).toEqual(seqs.map((_, index) => snapshot.seq + 1 + index));

    await service.call("DELETE", `/stacks/${created.stack_id}`);
    const deleted = await client.waitFor("deleted", () =>
      client.changes().find((change) => change.stack_id === created.stack_id && change.status === "deleted"),
    );
    const statuses = client
      .changes()
      .filter((change) => change.stack_id === created.stack_id)
      .map((change) => [change.status, change.reason]);
    expect(statuses).toEqual([
      ["creating", "created"],
      ["running", null],
      ["stopped", "deleted"],
      ["deleted", "deleted"],
    ]);
    expect(deleted.previous_status).toBe("stopped");
    expect(client.invalid).toEqual([]);
    client.close();
  });

  it("narrows the stream to one stack with stack_id", async () => {
    const watched = await create();
    const client = new LiveClient(`${base}?api_key=${testApiKey}&stack_id=${watched.stack_id}`);
    const snapshot = await client.waitFor("the snapshot", () => client.messages[0]);
    if (snapshot.type !== "snapshot") throw new Error("no snapshot");
    expect(snapshot.stacks.map((stack) => stack.stack_id)).toEqual([watched.stack_id]);
    const other = await create();
    await service.call("DELETE", `/stacks/${other.stack_id}`);
    await service.call("DELETE", `/stacks/${watched.stack_id}`);
    await client.waitFor("the watched stack's deletion", () =>
      client.changes().find((change) => change.status === "deleted"),
    );
    expect(new Set(client.changes().map((change) => change.stack_id))).toEqual(new Set([watched.stack_id]));
    client.close();
  });

  it("replays exactly the changes a reconnecting client missed", async () => {
    const first = new LiveClient(`${base}?api_key=${testApiKey}`);
    const snapshot = await first.waitFor("the snapshot", () => first.messages[0]);
    first.close();
    const stack = await create();
    await service.call("DELETE", `/stacks/${stack.stack_id}`);
    const latest = service.stackd.feed.latestSeq();
    const again = new LiveClient(`${base}?api_key=${testApiKey}&since=${snapshot.seq}`);
    await again.waitFor("the replay", () =>
      again.changes().length === latest - snapshot.seq ? true : undefined,
    );
    expect(again.messages[0]?.type).toBe("change");
    expect(again.changes().map((change) => change.seq)).toEqual(
      Array.from({ length: latest - snapshot.seq }, (_, index) => snapshot.seq + 1 + index),
    );
    expect(
      again.changes().some((change) => change.stack_id === stack.stack_id && change.status === "deleted"),
    ).toBe(true);
    again.close();
  });

  it("tells a client whose since is older than the history to resync, then sends a snapshot", async () => {
    // Seqs are numbered within this history's own block of 2^32.
    const streamBase = Math.floor(service.stackd.feed.latestSeq() / 2 ** 32) * 2 ** 32;
    while (service.stackd.feed.latestSeq() - streamBase < 60) {
      const stack = await create();
      await service.call("DELETE", `/stacks/${stack.stack_id}`);
    }
    const client = new LiveClient(`${base}?api_key=${testApiKey}&since=${streamBase + 1}`);
    await client.waitFor("two messages", () => (client.messages.length >= 2 ? true : undefined));
    expect(client.messages[0]).toMatchObject({ type: "resync", reason: "since_too_old" });
    expect(client.messages[1]?.type).toBe("snapshot");
    client.close();
  });

  it("refuses a since that is not a number with a 400 before upgrading", async () => {
    const client = new LiveClient(`${base}?api_key=${testApiKey}&since=abc`);
    expect(await client.opened()).toBe(false);
    expect(client.messages).toHaveLength(0);
  });

  it("sends records without pod_spec with fields=summary, snapshot and changes alike", async () => {
    const existing = await create();
    const client = new LiveClient(`${base}?api_key=${testApiKey}&fields=summary`);
    const snapshot = await client.waitFor("the snapshot", () => client.messages[0]);
    expect(Value.Check(LiveMessage.summarySnapshot, snapshot)).toBe(true);
    if (snapshot.type !== "snapshot") throw new Error("no snapshot");
    const listed = snapshot.stacks.find((stack) => stack.stack_id === existing.stack_id);
    expect(listed).toMatchObject({ stack_id: existing.stack_id, node_port: existing.node_port });
    expect(listed).not.toHaveProperty("pod_spec");
    const created = await create();
    const change = await client.waitFor("the create", () =>
      client.changes().find((message) => message.stack_id === created.stack_id),
    );
    expect(Value.Check(LiveMessage.summaryChange, change)).toBe(true);
    expect(change.stack).not.toHaveProperty("pod_spec");
    client.close();
  });

  it("refuses an unknown fields value with a 400 before upgrading", async () => {
    const client = new LiveClient(`${base}?api_key=${testApiKey}&fields=everything`);
    expect(await client.opened()).toBe(false);
  });

  it("sends heartbeats on an idle connection", async () => {
    const client = new LiveClient(`${base}?api_key=${testApiKey}`);
    const heartbeat = await client.waitFor(
      "a heartbeat",
      () => client.messages.find((m) => m.type === "heartbeat"),
      5_000,
    );
    expect(heartbeat.seq).toBe(service.stackd.feed.latestSeq());
    client.close();
  });
});
