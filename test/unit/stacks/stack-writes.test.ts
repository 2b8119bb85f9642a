import { describe, expect, it } from "bun:test";
import { recordAnnotations } from "../../../src/cluster/record-codec.ts";
import type { KubeClient } from "../../../src/kube/client.ts";
import { KubeApiError } from "../../../src/kube/errors.ts";
import { silentLogger } from "../../../src/log/logger.ts";
import {
  createStackWrites,
  isolationThroughWrites,
  writeRetryDelaysMs,
} from "../../../src/stacks/stack-writes.ts";
import { stackIdentityFixture } from "../../helpers/stack-fixtures.ts";

const identity = stackIdentityFixture("stack-0123456789abcdef");
const servicePath = `/api/v1/namespaces/stacks/services/${identity.serviceName}`;
const failure = (status: number) => new KubeApiError(status, "Failure", `answered ${status}`);

/** Stack writes over a transport that answers each request with the next of `replies` (then success). */
function writesWith(replies: unknown[], mayWrite?: () => string | null) {
  const sent: Array<{ method: string; path: string; body: unknown }> = [];
  const sleeps: number[] = [];
  const transport = {
    send: async (method: string, path: string, options: { body?: unknown } = {}) => {
      sent.push({ method, path, body: options.body });
      const reply = replies.shift();
      if (reply instanceof Error) throw reply;
      return reply ?? {};
    },
  };
  const writes = createStackWrites({
    kube: { transport } as unknown as KubeClient,
    logger: silentLogger,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...(mayWrite ? { mayWrite } : {}),
  });
  return { writes, sent, sleeps };
}

describe("a stack's writes", () => {
  it("send nothing and refuse as not leader when mayWrite names a reason", async () => {
    const { writes, sent } = writesWith([], () => "not the leader");
    const outcome = await writes.recordExpiry({ identity, expiresAt: 0 });
    expect(outcome).toEqual({ refused: "unavailable", message: "not the leader" });
    await writes.recordTerminal({ identity, end: { status: "failed", reason: "exit 1" }, at: 0 });
    expect(sent).toEqual([]);
  });

  it("ask mayWrite again before each retry, and stop once it refuses", async () => {
    let leading = true;
    const { writes, sent } = writesWith([failure(503), failure(503)], () =>
      leading ? null : "lost the lease",
    );
    const write = writes.write("test", identity.stackId, "retried", async () => {
      sent.push({ method: "TEST", path: "", body: null });
      leading = sent.length < 2;
      throw failure(503);
    });
    const error = await write.catch((caught: unknown) => caught);
    expect((error as KubeApiError).reason).toBe("NotLeader");
    expect(sent).toHaveLength(2);
  });

  it("retry a transient failure by the one policy, then give up with it", async () => {
    const { writes, sent, sleeps } = writesWith(writeRetryDelaysMs.concat(0).map(() => failure(503)));
    const outcome = await writes.recordExpiry({ identity, expiresAt: 0 });
    expect(outcome).toEqual({ refused: "unavailable", message: "HTTP 503 Failure" });
    expect(sent).toHaveLength(writeRetryDelaysMs.length + 1);
    expect(sleeps).toEqual(writeRetryDelaysMs);
  });

  it("do not retry a refusal that is not transient", async () => {
    const { writes, sent, sleeps } = writesWith([failure(403)]);
    expect(await writes.recordExpiry({ identity, expiresAt: 0 })).toEqual({
      refused: "internal",
      message: "answered 403",
    });
    expect(sent).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("write the expiry onto the Service with one merge patch, and say when the Service is missing", async () => {
    const expiresAt = Date.parse("2026-11-28T23:00:00.000Z");
    const { writes, sent } = writesWith([undefined, failure(404)]);
    expect(await writes.recordExpiry({ identity, expiresAt })).toEqual({ written: true });
    expect(sent[0]).toEqual({
      method: "PATCH",
      path: servicePath,
      body: {
        metadata: {
          annotations: {
            [recordAnnotations.ttl]: JSON.stringify({ ttl_expires_at: "2026-11-28T23:00:00.000Z" }),
          },
        },
      },
    });
    expect(await writes.recordExpiry({ identity, expiresAt })).toEqual({
      refused: "missing",
      message: "the stack's Service is missing",
    });
  });

  it("write the terminal status onto the Service, and take a missing Service as done", async () => {
    const at = Date.parse("2026-11-28T21:00:00.000Z");
    const { writes, sent, sleeps } = writesWith([failure(404)]);
    await writes.recordTerminal({ identity, end: { status: "node_deleted", reason: "node_deleted" }, at });
    expect(sent).toHaveLength(1);
    expect(sleeps).toEqual([]);
    const record = { status: "node_deleted", reason: "node_deleted", at: "2026-11-28T21:00:00.000Z" };
    expect(sent[0]?.body).toEqual({
      metadata: { annotations: { [recordAnnotations.terminal]: JSON.stringify(record) } },
    });
  });
});

describe("a stack's ingress policy writes", () => {
  /** An isolation that records each policy write and fails with the next of `failures` (then succeeds). */
  function recordingIsolation(failures: Error[] = []) {
    const written: string[] = [];
    const isolation = {
      async ensureStackIngressPolicy(stackId: string) {
        written.push(`ensure ${stackId}`);
        const failed = failures.shift();
        if (failed) throw failed;
      },
      async removeStackIngressPolicy(stackId: string) {
        written.push(`remove ${stackId}`);
        const failed = failures.shift();
        if (failed) throw failed;
      },
    };
    return { isolation, written };
  }

  it("write nothing and refuse as not leader when the fence refuses", async () => {
    const { writes } = writesWith([], () => "lost the lease");
    const { isolation, written } = recordingIsolation();
    const fenced = isolationThroughWrites(isolation, writes);
    const ensured = await fenced.ensureStackIngressPolicy(identity.stackId, []).catch((error) => error);
    const removed = await fenced.removeStackIngressPolicy(identity.stackId).catch((error) => error);
    expect((ensured as KubeApiError).reason).toBe("NotLeader");
    expect((removed as KubeApiError).reason).toBe("NotLeader");
    expect(written).toEqual([]);
  });

  it("retry a transient failure of a removal by the one policy", async () => {
    const { writes, sleeps } = writesWith([]);
    const { isolation, written } = recordingIsolation([failure(503), failure(500)]);
    const fenced = isolationThroughWrites(isolation, writes);
    await fenced.removeStackIngressPolicy(identity.stackId);
    expect(written).toEqual([
      `remove ${identity.stackId}`,
      `remove ${identity.stackId}`,
      `remove ${identity.stackId}`,
    ]);
    expect(sleeps).toEqual(writeRetryDelaysMs.slice(0, 2));
  });

  it("try a create's policy once: the create does not wait, the next isolation pass repairs it", async () => {
    const { writes, sleeps } = writesWith([]);
    const { isolation, written } = recordingIsolation([failure(503)]);
    const fenced = isolationThroughWrites(isolation, writes);
    const ensured = await fenced
      .ensureStackIngressPolicy(identity.stackId, [{ port: 80, protocol: "TCP" }])
      .catch((error) => error);
    expect((ensured as KubeApiError).status).toBe(503);
    expect(written).toEqual([`ensure ${identity.stackId}`]);
    expect(sleeps).toEqual([]);
  });

  it("give up at once on a failure that is not transient", async () => {
    const { writes, sleeps } = writesWith([]);
    const { isolation, written } = recordingIsolation([failure(403)]);
    const error = await isolationThroughWrites(isolation, writes)
      .removeStackIngressPolicy(identity.stackId)
      .catch((caught: unknown) => caught);
    expect((error as KubeApiError).status).toBe(403);
    expect(written).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });
});
