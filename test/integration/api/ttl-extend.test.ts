import { afterEach, describe, expect, it } from "bun:test";
import type { V1Service } from "@kubernetes/client-node";
import { recordAnnotations } from "../../../src/cluster/record-codec.ts";
import type { ChangeMessage } from "../../../src/live/messages.ts";
import { eventually, testKubeClient } from "../../helpers/cluster.ts";
import { podSpecYaml, startTestStackd, stopAndRemove, type TestStackd } from "../../helpers/stackd.ts";

const kube = testKubeClient();
let service: TestStackd | undefined;

afterEach(async () => {
  await stopAndRemove(kube, service);
  service = undefined;
});

describe("POST /stacks/{id}/extend against the cluster", () => {
  it("keeps the stack past its old expiry, ends it at the new one, and refuses to pass STACK_MAX_LIFETIME", async () => {
    service = await startTestStackd(kube, { STACK_TTL: "8s", STACK_MAX_LIFETIME: "40s" });
    const stackd = service;
    const created = await stackd.call("POST", "/stacks", { target_port: 80, pod_spec: podSpecYaml() });
    expect(created.status).toBe(201);
    const stackId = created.body.stack_id as string;
    const oldExpiry = Date.parse(created.body.ttl_expires_at);
    // A control stack that is never extended and expires no earlier than the old expiry: once it has
    // ended, the extended stack has lived past its old expiry.
    const control = await stackd.call("POST", "/stacks", { target_port: 80, pod_spec: podSpecYaml() });
    expect(control.status).toBe(201);
    const controlId = control.body.stack_id as string;
    expect(Date.parse(control.body.ttl_expires_at)).toBeGreaterThanOrEqual(oldExpiry);
    const changes: ChangeMessage[] = [];
    const controlChanges: ChangeMessage[] = [];
    const subscription = stackd.stackd.feed.open({ stackId }, (text) => {
      const message = JSON.parse(text) as ChangeMessage;
      if (message.type === "change") changes.push(message);
    });
    const controlSubscription = stackd.stackd.feed.open({ stackId: controlId }, (text) => {
      const message = JSON.parse(text) as ChangeMessage;
      if (message.type === "change") controlChanges.push(message);
    });

    const extended = await stackd.call("POST", `/stacks/${stackId}/extend`, { ttl: "16s" });
    expect(extended.status).toBe(200);
    const newExpiry = Date.parse(extended.body.ttl_expires_at);
    expect(newExpiry).toBeGreaterThan(oldExpiry + 5_000);
    expect((await stackd.call("GET", `/stacks/${stackId}/status`)).body.ttl).toBe(
      extended.body.ttl_expires_at,
    );
    // Durable in the cluster: the Service carries the new expiry.
    const svc = await kube.transport.send<V1Service>(
      "GET",
      `/api/v1/namespaces/${stackd.namespace}/services/svc-${stackId}`,
    );
    expect(JSON.parse(svc.metadata?.annotations?.[recordAnnotations.ttl] ?? "{}")).toEqual({
      ttl_expires_at: extended.body.ttl_expires_at,
    });
    // On the live stream: one ttl_extended change with the new expiry.
    expect(
      changes.filter((change) => change.reason === "ttl_extended").map((c) => c.stack.ttl_expires_at),
    ).toEqual([extended.body.ttl_expires_at]);

    const pastCap = await stackd.call("POST", `/stacks/${stackId}/extend`, { ttl: "1m" });
    expect(pastCap.status).toBe(409);
    expect(pastCap.body.error).toStartWith(
      "cannot extend past the stack's maximum lifetime: it may live until ",
    );

    await eventually(
      "the control stack to end at its expiry",
      async () =>
        controlChanges.some((change) => change.status === "deleted" && change.reason === "ttl_expired")
          ? true
          : undefined,
      30_000,
    );
    controlSubscription.close();
    expect(changes.filter((change) => change.reason === "ttl_expired")).toEqual([]);
    const afterOld = await stackd.call("GET", `/stacks/${stackId}`);
    expect(afterOld.status).toBe(200);
    expect(afterOld.body.status_reason).toBeNull();

    const gone = await eventually(
      "the stack to end at its new expiry",
      async () => ((await stackd.call("GET", `/stacks/${stackId}`)).status === 404 ? Date.now() : undefined),
      30_000,
    );
    expect(gone).toBeGreaterThanOrEqual(newExpiry);
    expect(changes.at(-1)).toMatchObject({ status: "deleted", reason: "ttl_expired" });
    subscription.close();
    expect((await stackd.call("POST", `/stacks/${stackId}/extend`)).status).toBe(404);
  }, 90_000);
});
