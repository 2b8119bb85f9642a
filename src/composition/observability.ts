import type { KubeTransport } from "../kube/transport.ts";
import { createMetrics, resourceOf, watchObserver } from "../metrics/metrics.ts";
import type { StackUpdate } from "../stacks/stack-update.ts";

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * stackd's metrics and the observers that feed them: Kubernetes requests, watch health, creates and
 * the time a stack takes to run. With metrics off the registry still exists and nothing feeds it.
 */
export function createObservability(enabled: boolean) {
  const metrics = createMetrics();
  const watchObservers = new Map<string, ReturnType<typeof watchObserver>>();
  return {
    metrics,
    /** Counts and times every request of `transport`. */
    observeKubeRequests(transport: KubeTransport): void {
      if (!enabled) return;
      transport.observeRequests((method, path, status, seconds) => {
        const labels = { verb: method.toLowerCase(), resource: resourceOf(path) };
        metrics.kubeRequests.inc({ ...labels, code: String(status) });
        metrics.kubeRequestDuration.observe(labels, seconds);
      });
    },
    /** The health observer of one watched resource (one per resource, created on first use). */
    watchHealth(resource: string) {
      let observer = watchObservers.get(resource);
      if (!observer) {
        observer = watchObserver(metrics, resource);
        watchObservers.set(resource, observer);
      }
      return observer;
    },
    /** A create was answered: its outcome and how long it took. */
    createAnswered(reason: string, seconds: number): void {
      if (!enabled) return;
      const result = reason === "created" ? "created" : "failed";
      metrics.creates.inc({ result, reason });
      metrics.createDuration.observe({ result }, seconds);
    },
    /** Observes, for each stack that reaches running, the time since its create (a histogram). */
    stackUpdated(update: StackUpdate): void {
      if (!enabled) return;
      if (update.kind !== "changed" || update.previousStatus !== "creating") return;
      if (update.stack.status !== "running") return;
      metrics.timeToRunning.observe((update.at - Date.parse(update.stack.created_at)) / 1000);
    },
  };
}

export type Observability = ReturnType<typeof createObservability>;
