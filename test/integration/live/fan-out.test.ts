import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { resolve } from "node:path";
import { slowConsumerCloseCode } from "../../../src/live/messages.ts";
import { deleteTestNamespace, testKubeClient } from "../../helpers/cluster.ts";
import { podSpecYaml, startTestStackd, type TestStackd, testApiKey } from "../../helpers/stackd.ts";
import { LiveClient } from "../../helpers/ws-client.ts";

const kube = testKubeClient();
const slowClientScript = resolve(import.meta.dir, "../../fixtures/slow_ws_client.py");
let service: TestStackd;
let port = 0;

beforeAll(async () => {
  service = await startTestStackd(kube, { LIVE_MAX_BUFFERED_BYTES: "65536", K8S_CLIENT_QPS: "1000" });
  port = service.stackd.listen(0).port ?? 0;
});

afterAll(async () => {
  await service.stop();
  await deleteTestNamespace(kube, service.namespace);
});

/** Reads whole lines from a child's stdout; resolves "" when it ends. */
function lineReader(stream: ReadableStream<Uint8Array>) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  return {
    async next(): Promise<string> {
      while (!buffered.includes("\n")) {
        const { done, value } = await reader.read();
        if (done) return buffered;
        buffered += decoder.decode(value, { stream: true });
      }
      const index = buffered.indexOf("\n");
      const line = buffered.slice(0, index);
      buffered = buffered.slice(index + 1);
      return line;
    },
  };
}

async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < items.length; start += size)
    await Promise.all(items.slice(start, start + size).map(work));
}

const url = () => `ws://127.0.0.1:${port}/ws/stacks?api_key=${testApiKey}`;

/** Creates `count` stacks 50 at a time, then deletes them; returns how many changes that made. */
async function churn(count: number, podSpec: string): Promise<{ startSeq: number; endSeq: number }> {
  const startSeq = service.stackd.feed.latestSeq();
  const ids: string[] = [];
  await inBatches(
    Array.from({ length: count }, (_, index) => index),
    50,
    async () => {
      const response = await service.call("POST", "/stacks", { target_port: 80, pod_spec: podSpec });
      expect(response.status).toBe(201);
      ids.push(response.body.stack_id);
    },
  );
  await inBatches(ids, 50, (id) => service.call("DELETE", `/stacks/${id}`));
  return { startSeq, endSeq: service.stackd.feed.latestSeq() };
}

async function expectEveryChange(clients: LiveClient[], startSeq: number, endSeq: number): Promise<void> {
  for (const client of clients) {
    await client.waitFor(
      "every change",
      () => (client.changes().at(-1)?.seq === endSeq ? true : undefined),
      30_000,
    );
    // A change from before the churn (an earlier test's stack ending) may arrive after the snapshot.
    const seqs = client
      .changes()
      .map((change) => change.seq)
      .filter((seq) => seq > startSeq);
    expect(seqs).toEqual(Array.from({ length: endSeq - startSeq }, (_, index) => startSeq + 1 + index));
    expect(client.invalid).toEqual([]);
    expect(client.closed).toBeUndefined();
  }
}

describe("live stream fan-out", () => {
  it("delivers every change of 200 stacks to 50 clients in seq order, with no gap and no duplicate", async () => {
    const clients = Array.from({ length: 50 }, () => new LiveClient(url()));
    await Promise.all(clients.map((client) => client.waitFor("snapshot", () => client.messages[0])));
    const { startSeq, endSeq } = await churn(200, podSpecYaml());
    expect(endSeq - startSeq).toBeGreaterThanOrEqual(200 * 3);
    await expectEveryChange(clients, startSeq, endSeq);
    for (const client of clients) client.close();
  }, 120_000);

  it("cuts off a client that stopped reading, without delaying the others", async () => {
    const slow = Bun.spawn(
      [
        "python3",
        slowClientScript,
        "127.0.0.1",
        String(port),
        new URL(url()).pathname + new URL(url()).search,
        "20",
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    const slowLines = lineReader(slow.stdout);
    expect(await slowLines.next()).toContain('"ready": true');
    const clients = Array.from({ length: 5 }, () => new LiveClient(url()));
    await Promise.all(clients.map((client) => client.waitFor("snapshot", () => client.messages[0])));
    const subscribers = service.stackd.feed.subscriberCount();

    // A 16 KB env value makes each change ~18 KB: more than the kernel buffers for a stalled socket.
    // (It was an annotation until the allowlist refused annotations by default.)
    const bulky = podSpecYaml().replace(
      "      image: nginx:stable",
      `      image: nginx:stable\n      env: [{name: BALLAST, value: "${"x".repeat(16_000)}"}]`,
    );
    const { startSeq, endSeq } = await churn(100, bulky);
    await expectEveryChange(clients, startSeq, endSeq);
    expect(service.stackd.feed.subscriberCount()).toBe(subscribers - 1);

    // Disconnected: with the close frame (4008) when it can still be delivered, else the socket is dropped.
    const line = await slowLines.next();
    const report = JSON.parse(
      line || `{"error": ${JSON.stringify(await new Response(slow.stderr).text())}}`,
    ) as {
      close_code: number | null;
      eof: boolean;
    };
    expect(report.close_code === slowConsumerCloseCode || report.eof).toBe(true);
    for (const client of clients) client.close();
  }, 120_000);
});
