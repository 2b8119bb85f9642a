import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { ErrorCode } from "../errors/app-error.ts";
import type { WatchHealth } from "../kube/watch.ts";

/** Latency buckets in seconds, from a fast create (15 ms) to a scheduling timeout (20 s and more). */
const createBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60];
const requestBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * What `POST /stacks` is answered with, as `stackd_creates_total`'s `reason`: created, or the code (in lower
 * case) of each error a create can fail with.
 */
export const createReasons = [
  "created",
  "limit_range_violation",
  "quota_exceeded",
  "not_schedulable",
  "no_port_available",
  "no_host_port_available",
  "invalid_pod_spec",
  "invalid_target_port",
  "kubernetes_unavailable",
  "database_unavailable",
  "stack_id_in_use",
  "internal",
] as const satisfies readonly ("created" | Lowercase<ErrorCode>)[];

/** The resources stackd watches (src/cluster/cluster-sync.ts), as the watch counters' `resource`. */
export const watchedResources = ["nodes", "pods", "services"] as const;

/** What stackd writes to SQLite, as `stackd_sqlite_write_errors_total`'s `table`. */
export const storeTables = ["stack_records", "stack_events"] as const;

/** What the gauges read when Prometheus scrapes (never kept up to date by hand). */
export interface MetricSources {
  stacksByStatus(): Record<string, number>;
  nodePorts(): { inUse: number; free: number };
  liveClients(): number;
}

/**
 * stackd's Prometheus metrics, on a registry of their own (so two stackds in one test process do not
 * clash), plus the process's default metrics.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "stackd_" });
  const registers = [registry];
  let sources: MetricSources | undefined;
  let leads: (() => boolean) | undefined;
  // The gauges read their sources when scraped; registering them is all they need.

  new Gauge({
    name: "stackd_stacks",
    help: "Stacks by status.",
    labelNames: ["status"] as const,
    registers,
    collect() {
      this.reset();
      for (const [status, count] of Object.entries(sources?.stacksByStatus() ?? {}))
        this.set({ status }, count);
    },
  });
  new Gauge({
    name: "stackd_nodeports_in_use",
    help: "NodePorts of stackd's range leased to stacks.",
    registers,
    collect() {
      this.set(sources?.nodePorts().inUse ?? 0);
    },
  });
  new Gauge({
    name: "stackd_nodeports_free",
    help: "NodePorts of stackd's range neither leased nor used by other Services.",
    registers,
    collect() {
      this.set(sources?.nodePorts().free ?? 0);
    },
  });
  new Gauge({
    name: "stackd_leader",
    help: "1 on the replica that leads (runs the stacks and takes writes), and on a single stackd; 0 on the others.",
    registers,
    collect() {
      this.set(leads?.() ? 1 : 0);
    },
  });
  new Gauge({
    name: "stackd_live_clients",
    help: "Clients connected to the live stream.",
    registers,
    collect() {
      this.set(sources?.liveClients() ?? 0);
    },
  });

  const metrics = {
    registry,
    creates: new Counter({
      name: "stackd_creates_total",
      help: "POST /stacks by result (created or failed) and reason (the failure's code, or created).",
      labelNames: ["result", "reason"] as const,
      registers,
    }),
    createDuration: new Histogram({
      name: "stackd_create_duration_seconds",
      help: "Time to answer POST /stacks, by result.",
      labelNames: ["result"] as const,
      buckets: createBuckets,
      registers,
    }),
    timeToRunning: new Histogram({
      name: "stackd_time_to_running_seconds",
      help: "From a stack's creation to its pod being Ready (running).",
      buckets: createBuckets,
      registers,
    }),
    kubeRequests: new Counter({
      name: "stackd_kube_requests_total",
      help: "Requests to the Kubernetes API by verb, resource and HTTP code (0: no answer).",
      labelNames: ["verb", "resource", "code"] as const,
      registers,
    }),
    kubeRequestDuration: new Histogram({
      name: "stackd_kube_request_duration_seconds",
      help: "Duration of requests to the Kubernetes API by verb and resource (watch streams excluded).",
      labelNames: ["verb", "resource"] as const,
      buckets: requestBuckets,
      registers,
    }),
    watchRestarts: new Counter({
      name: "stackd_watch_restarts_total",
      help: "Watch streams opened again after the first, by resource and reason.",
      labelNames: ["resource", "reason"] as const,
      registers,
    }),
    watchRelists: new Counter({
      name: "stackd_watch_relists_total",
      help: "Full lists after the first, by resource and reason (expired resourceVersion or an error).",
      labelNames: ["resource", "reason"] as const,
      registers,
    }),
    liveClientsDropped: new Counter({
      name: "stackd_live_clients_dropped_total",
      help: "Live-stream clients disconnected for falling too far behind.",
      registers,
    }),
    storeWriteErrors: new Counter({
      name: "stackd_sqlite_write_errors_total",
      help: "Failed SQLite writes, by what was written (record or history).",
      labelNames: ["table"] as const,
      registers,
    }),
    takeoverSteps: new Gauge({
      name: "stackd_last_takeover_step_seconds",
      help: "How long each step of this replica's last takeover as leader took (network policies, view, store, ports, actors, pods).",
      labelNames: ["step"] as const,
      registers,
    }),
    /** Connects the gauges to what they read. */
    bind(next: MetricSources): void {
      sources = next;
    },
    /** Connects `stackd_leader` to whether this process leads (read when scraped). */
    bindLeadership(isLeader: () => boolean): void {
      leads = isLeader;
    },
  };
  zeroKnownSeries(metrics);
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * Every series whose labels are known in advance, at 0 from the start: `rate()` then sees the first
 * failure as an increase, and `absent()` fires only when stackd is not scraped at all.
 */
function zeroKnownSeries(metrics: Metrics): void {
  for (const reason of createReasons)
    metrics.creates.inc({ result: reason === "created" ? "created" : "failed", reason }, 0);
  for (const result of ["created", "failed"]) metrics.createDuration.zero({ result });
  for (const resource of watchedResources) {
    metrics.watchRestarts.inc({ resource, reason: "renewed" }, 0);
    metrics.watchRelists.inc({ resource, reason: "expired" }, 0);
  }
  for (const table of storeTables) metrics.storeWriteErrors.inc({ table }, 0);
}

/** The resource of an API path: `/api/v1/namespaces/x/pods/y` → `pods`, `/apis/g/v1/nodes` → `nodes`. */
export function resourceOf(path: string): string {
  const parts = path.split("?")[0]?.split("/").filter(Boolean) ?? [];
  const start = parts[0] === "api" ? 2 : parts[0] === "apis" ? 3 : 0;
  const rest = parts.slice(start);
  const resource = rest[0] === "namespaces" && rest.length > 2 ? rest[2] : rest[0];
  return resource ?? "unknown";
}

/** Watch health changes, turned into restart and relist counts per resource. */
export function watchObserver(metrics: Metrics, resource: string) {
  let previous: WatchHealth | undefined;
  return (health: WatchHealth) => {
    const reason = health.lastError?.reason ?? "renewed";
    if (previous && health.connects > previous.connects && previous.connects > 0) {
      metrics.watchRestarts.inc({ resource, reason: previous.state === "backoff" ? reason : "renewed" });
    }
    if (previous && health.lists > previous.lists && previous.lists > 0) {
      metrics.watchRelists.inc({ resource, reason: health.lastError ? reason : "expired" });
    }
    previous = health;
  };
}
