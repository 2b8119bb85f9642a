import { describe, expect, it } from "bun:test";
import type { AppError } from "../../../src/errors/app-error.ts";
import type { KubeTransport } from "../../../src/kube/transport.ts";
import { StackDiagnostics } from "../../../src/stacks/stack-diagnostics.ts";
import type { StackRecord } from "../../../src/stacks/stack-record.ts";

const record = {
  stack_id: "stack-1",
  namespace: "stacks",
  pod_id: "stack-1",
  pod_spec: "spec:\n  containers:\n    - name: app\n    - name: helper\n",
} as StackRecord;

/** A transport whose pods/log answers `status` with `body`, recording the URLs asked for. */
function answering(status: number, body: string) {
  const asked: string[] = [];
  const transport = {
    async request(_method: string, path: string, options: { query?: Record<string, unknown> }) {
      asked.push(`${path}?${new URLSearchParams(options.query as Record<string, string>)}`);
      return new Response(body, { status });
    },
  } as unknown as KubeTransport;
  return { asked, diagnostics: new StackDiagnostics({ reads: { get: () => record }, transport }) };
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: AppError) => error,
  );
const status = (message: string, code: number) => JSON.stringify({ kind: "Status", message, code });

describe("StackDiagnostics.logs", () => {
  it("asks pods/log for the first container, the tail capped at 1000 lines and 256 KiB", async () => {
    const { asked, diagnostics } = answering(200, "one\ntwo\n");
    expect((await diagnostics.logs("stack-1", { tail: 5000 })).lines).toEqual(["one", "two"]);
    expect(asked).toEqual([
      "/api/v1/namespaces/stacks/pods/stack-1/log?container=app&tailLines=1000&limitBytes=262144",
    ]);
  });

  it("answers 409 while the container waits to start (the API server's 400)", async () => {
    const message = 'container "app" in pod "stack-1" is waiting to start: ContainerCreating';
    const { diagnostics } = answering(400, status(message, 400));
    const error = await refusal(diagnostics.logs("stack-1", {}));
    expect(error?.status).toBe(409);
    expect(error?.message).toBe(`logs not available yet: ${message}`);
  });

  it("answers 503 without the API server's words when it fails", async () => {
    const { diagnostics } = answering(500, status("etcdserver: leader changed", 500));
    const error = await refusal(diagnostics.logs("stack-1", {}));
    expect(error?.status).toBe(503);
    expect(error?.message).toBe("kubernetes unavailable: HTTP 500 InternalError");
  });
});
