import { closeSync, openSync, writeSync } from "node:fs";
import { createAccessLog } from "../src/http/access-log.ts";
import { createLogger } from "../src/log/logger.ts";
import { createMetrics, resourceOf } from "../src/metrics/metrics.ts";
import { lifecycleLog } from "../src/stacks/lifecycle-log.ts";
import { storedStackFixture } from "../test/helpers/stack-fixtures.ts";

/**
 * What metrics and access logs add to one create, measured in this process with stackd's own logger
 * (at info, each line written to /dev/null with a system call, as to a pipe), access log, lifecycle log
 * and Prometheus registry: the access line, the `created` and `running` lines, the create counter and
 * histograms, and the three Kubernetes requests' counter and histogram. A steadier figure than the
 * end-to-end A/B of two stackd processes, whose p50s swing by about 10% from run to run here.
 * Answers milliseconds per create.
 */
export function observabilityCostPerCreateMs(iterations = 20_000): number {
  const devNull = openSync("/dev/null", "w");
  try {
    const logger = createLogger({ level: "info", write: (line) => void writeSync(devNull, `${line}\n`) });
    const access = createAccessLog(logger);
    const lifecycle = lifecycleLog(logger);
    const metrics = createMetrics();
    const creating = storedStackFixture("stack-0123456789abcdef", { acknowledged: true });
    const running = { ...creating, status: "running" as const, node_id: "node-1" };
    const kubePaths = ["/api/v1/namespaces/stacks/pods", "/api/v1/namespaces/stacks/services"];
    const oneCreate = () => {
      const request = new Request("http://stackd/stacks", { method: "POST" });
      access.start(request);
      lifecycle({ kind: "created", stack: creating, at: Date.now() });
      for (const path of [...kubePaths, kubePaths[0] ?? ""]) {
        const labels = { verb: "post", resource: resourceOf(path) };
        metrics.kubeRequests.inc({ ...labels, code: "201" });
        metrics.kubeRequestDuration.observe(labels, 0.004);
      }
      metrics.creates.inc({ result: "created", reason: "created" });
      metrics.createDuration.observe({ result: "created" }, 0.025);
      access.finish({ request, route: "/stacks", set: { status: 201 } });
      lifecycle({
        kind: "changed",
        stack: running,
        previousStatus: "creating",
        reason: null,
        at: Date.now(),
      });
      metrics.timeToRunning.observe(0.03);
    };
    for (let index = 0; index < 2_000; index += 1) oneCreate();
    const started = performance.now();
    for (let index = 0; index < iterations; index += 1) oneCreate();
    return (performance.now() - started) / iterations;
  } finally {
    closeSync(devNull);
  }
}
