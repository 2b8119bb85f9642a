import { afterEach, describe, expect, it } from "bun:test";
import type { V1Pod, V1Service } from "@kubernetes/client-node";
import { recordAnnotations } from "../../../src/cluster/record-codec.ts";
import { eventually, testKubeClient } from "../../helpers/cluster.ts";
import { podSpecYaml, startTestStackd, stopAndRemove, type TestStackd } from "../../helpers/stackd.ts";

const kube = testKubeClient();
const hour = 3_600_000;
let service: TestStackd | undefined;

afterEach(async () => {
  await stopAndRemove(kube, service);
  service = undefined;
});

/** Waits until the stack runs; a stack that is gone (deleted as expired) fails at once. */
async function runningStack(stackd: TestStackd, stackId: string) {
  return eventually("the stack to run", async () => {
    const read = await stackd.call("GET", `/stacks/${stackId}`);
    if (read.status === 404) return { gone: true as const };
    return read.body.status === "running" ? read.body : undefined;
  });
}

describe("TTLs longer than one timer can wait, against the cluster", () => {
  it("keeps a stack extended by 597h running, its Pod and Service kept, expiring 597h after the extend", async () => {
    service = await startTestStackd(kube);
    const stackd = service;
    const created = await stackd.call("POST", "/stacks", { target_port: 80, pod_spec: podSpecYaml() });
    expect(created.status).toBe(201);
    const stackId = created.body.stack_id as string;
    expect(await runningStack(stackd, stackId)).toMatchObject({ status: "running" });
    const asked = Date.now();
    const extended = await stackd.call("POST", `/stacks/${stackId}/extend`, { ttl: "597h" });
    const answered = Date.now();
    expect(extended.status).toBe(200);
    const expiry = Date.parse(extended.body.ttl_expires_at);
    expect(expiry).toBeGreaterThanOrEqual(asked + 597 * hour);
    expect(expiry).toBeLessThanOrEqual(answered + 597 * hour);

    // The wait: the cluster answers with the Service that carries the new expiry (it was written before the 200).
    const path = `/api/v1/namespaces/${stackd.namespace}`;
    await eventually("the Service to carry the new expiry", async () => {
      const svc = await kube.transport.send<V1Service>("GET", `${path}/services/svc-${stackId}`);
      const annotation = JSON.parse(svc.metadata?.annotations?.[recordAnnotations.ttl] ?? "{}");
      return annotation.ttl_expires_at === extended.body.ttl_expires_at ? true : undefined;
    });
    const read = await stackd.call("GET", `/stacks/${stackId}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      status: "running",
      status_reason: null,
      ttl_expires_at: extended.body.ttl_expires_at,
    });
    const pod = await kube.transport.send<V1Pod>("GET", `${path}/pods/${stackId}`);
    expect(pod.metadata?.deletionTimestamp).toBeUndefined();
  }, 60_000);

  it("creates stacks with STACK_TTL=720h (201), which run and expire 720h after their creation", async () => {
    service = await startTestStackd(kube, { STACK_TTL: "720h" });
    const stackd = service;
    const created = await stackd.call("POST", "/stacks", { target_port: 80, pod_spec: podSpecYaml() });
    expect(created.status).toBe(201);
    expect(Date.parse(created.body.ttl_expires_at)).toBe(Date.parse(created.body.created_at) + 720 * hour);
    expect(await runningStack(stackd, created.body.stack_id)).toMatchObject({ status: "running" });
  }, 60_000);

  it("answers 400 for a ttl beyond Go's longest duration and keeps the stack's expiry", async () => {
    service = await startTestStackd(kube);
    const stackd = service;
    const created = await stackd.call("POST", "/stacks", { target_port: 80, pod_spec: podSpecYaml() });
    const stackId = created.body.stack_id as string;
    const refused = await stackd.call("POST", `/stacks/${stackId}/extend`, { ttl: "99999999999999999999h" });
    expect(refused).toEqual({
      status: 400,
      body: {
        error:
          'invalid request body: ttl must be at most 2562047h47m16.854775807s, got "99999999999999999999h"',
      },
    });
    expect((await stackd.call("GET", `/stacks/${stackId}`)).body.ttl_expires_at).toBe(
      created.body.ttl_expires_at,
    );
  }, 60_000);
});
