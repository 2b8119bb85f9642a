import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  checkRuntimeClass,
  RuntimeClassMissingError,
  runtimeClassPath,
} from "../../../src/cluster/runtime-class.ts";
import {
  createTestNamespace,
  deleteTestNamespace,
  eventually,
  testKubeClient,
} from "../../helpers/cluster.ts";
import { failureOf } from "../../helpers/failures.ts";
import { podSpecYaml, startTestStackd, stopAndRemove, type TestStackd } from "../../helpers/stackd.ts";
import { mainExit } from "../../helpers/start-refusal.ts";

// STACK_RUNTIME_CLASS against the real API server: a RuntimeClass of this test's own (kwok runs no
// containers, so any handler will do), set on every stack Pod; a missing one stops stackd at start.
const kube = testKubeClient();
const suffix = crypto.randomUUID().slice(0, 8);
const runtimeClass = `stackd-test-${suffix}`;
const missingClass = `stackd-missing-${suffix}`;
const work = mkdtempSync(join(tmpdir(), "stackd-runtime-class-"));
let stackd: TestStackd | undefined;

beforeAll(async () => {
  await kube.transport.send("POST", "/apis/node.k8s.io/v1/runtimeclasses", {
    body: {
      apiVersion: "node.k8s.io/v1",
      kind: "RuntimeClass",
      metadata: { name: runtimeClass },
      handler: "runsc",
    },
  });
  stackd = await startTestStackd(kube, { STACK_RUNTIME_CLASS: runtimeClass });
});

afterAll(async () => {
  await stopAndRemove(kube, stackd);
  await kube.transport.send("DELETE", runtimeClassPath(runtimeClass)).catch(() => {});
  rmSync(work, { recursive: true, force: true });
});

describe("STACK_RUNTIME_CLASS", () => {
  it("runs every stack Pod under the RuntimeClass, as the API server stores it", async () => {
    const running = stackd as TestStackd;
    const created = await running.call("POST", "/stacks", { target_port: 80, pod_spec: podSpecYaml() });
    expect(created.status).toBe(201);
    const stackId: string = created.body.stack_id;
    const pod = await kube.core.readNamespacedPod({ name: stackId, namespace: running.namespace });
    expect(pod.spec?.runtimeClassName).toBe(runtimeClass);
    await eventually("the stack to run", async () =>
      (await running.call("GET", `/stacks/${stackId}`)).body?.status === "running" ? true : undefined,
    );
  });

  it("still refuses an author's own runtimeClassName with 400, naming the field", async () => {
    const spec = podSpecYaml().replace("spec:\n", `spec:\n  runtimeClassName: ${runtimeClass}\n`);
    const refused = await (stackd as TestStackd).call("POST", "/stacks", { target_port: 80, pod_spec: spec });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toContain("runtimeClassName");
  });

  it("passes the start check for a RuntimeClass that exists, and checks nothing when unset", async () => {
    expect(await checkRuntimeClass(kube.transport, runtimeClass)).toBeUndefined();
    expect(await checkRuntimeClass(kube.transport, null)).toBeUndefined();
  });

  it("refuses to start on a RuntimeClass that does not exist, naming the variable and the class", async () => {
    const error = await failureOf(checkRuntimeClass(kube.transport, missingClass));
    expect(error).toBeInstanceOf(RuntimeClassMissingError);
    const refusal = error as RuntimeClassMissingError;
    expect([refusal.variable, refusal.runtimeClass, refusal.code]).toEqual([
      "STACK_RUNTIME_CLASS",
      missingClass,
      "RUNTIME_CLASS_MISSING",
    ]);
    expect(refusal.message).toContain(`RuntimeClass "${missingClass}" does not exist`);
  });

  it("stops `bun src/main.ts` with exit code 2 on a missing RuntimeClass", async () => {
    const namespace = await createTestNamespace(kube, "runtime-class");
    try {
      const { code, stderr } = await mainExit(work, {
        STACK_NAMESPACE: namespace,
        STACK_RUNTIME_CLASS: missingClass,
      });
      expect(code).toBe(2);
      expect(stderr).toContain("invalid configuration");
      expect(stderr).toContain("STACK_RUNTIME_CLASS");
      expect(stderr).toContain(`RuntimeClass \\"${missingClass}\\" does not exist`);
    } finally {
      await deleteTestNamespace(kube, namespace);
    }
  });
});
