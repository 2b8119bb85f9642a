import { parse } from "yaml";
import { AppError, invalidRequest, stackNotFound } from "../errors/app-error.ts";
import { clientSummary, isTransient, type KubeApiError, toKubeApiError } from "../kube/errors.ts";
import { listPodEvents, type PodEvent, readContainerLog } from "../kube/pod-diagnostics.ts";
import type { KubeTransport } from "../kube/transport.ts";
import type { StackReads } from "./stack-reads.ts";

/** The most lines `GET /stacks/{id}/logs` gives, and how many without `tail`. */
export const maxLogTail = 1000;
export const defaultLogTail = 100;
/** The most bytes of log asked of the API server, whatever the tail. */
const maxLogBytes = 256 * 1024;

export interface StackLogs {
  stack_id: string;
  container: string;
  containers: string[];
  lines: string[];
}

export interface StackDiagnosticsOptions {
  reads: Pick<StackReads, "get">;
  transport: KubeTransport;
}

/** The names of the containers in a record's pod manifest, in order. */
function containerNamesOf(podSpecYaml: string): string[] {
  const pod = parse(podSpecYaml) as { spec?: { containers?: Array<{ name?: unknown }> } } | null;
  return (pod?.spec?.containers ?? []).map((container) => String(container.name ?? ""));
}

/** A failed read of the cluster as the client is told of it: no logs yet (409), or Kubernetes unavailable (503). */
function diagnosticsError(error: KubeApiError, what: string): AppError {
  if (isTransient(error) || error.status === 401 || error.status === 403)
    return new AppError("KUBERNETES_UNAVAILABLE", `kubernetes unavailable: ${clientSummary(error)}`, {
      cause: error,
    });
  const detail = error.status === 404 ? "the stack's pod is gone" : error.message;
  return new AppError("LOGS_NOT_AVAILABLE", `${what} not available yet: ${detail}`, { cause: error });
}

/**
 * What explains a stack's failure, read from the cluster at each request (so any replica serves it): its
 * Pod's Events and its containers' last log lines.
 */
export class StackDiagnostics {
  #reads: StackDiagnosticsOptions["reads"];
  #transport: KubeTransport;

  constructor({ reads, transport }: StackDiagnosticsOptions) {
    this.#reads = reads;
    this.#transport = transport;
  }

  /** The Events of the stack's Pod, oldest first (none for a Pod that is gone). */
  async events(stackId: string): Promise<PodEvent[]> {
    const record = this.#reads.get(stackId);
    if (!record) throw stackNotFound();
    try {
      return await listPodEvents(this.#transport, record.namespace, record.pod_id);
    } catch (error) {
      throw diagnosticsError(toKubeApiError(error), "events");
    }
  }

  /** The last `tail` lines of one container (the first when none is named). */
  async logs(stackId: string, request: { container?: string | undefined; tail?: number | undefined }) {
    const record = this.#reads.get(stackId);
    if (!record) throw stackNotFound();
    const containers = containerNamesOf(record.pod_spec);
    const container = request.container ?? containers[0] ?? "";
    if (!containers.includes(container))
      throw invalidRequest(`container ${container} is not in the stack's pod (${containers.join(", ")})`);
    const tailLines = Math.min(request.tail ?? defaultLogTail, maxLogTail);
    try {
      const text = await readContainerLog(this.#transport, record.namespace, record.pod_id, {
        container,
        tailLines,
        limitBytes: maxLogBytes,
      });
      const lines = text.split("\n");
      if (lines.at(-1) === "") lines.pop();
      return { stack_id: stackId, container, containers, lines } satisfies StackLogs;
    } catch (error) {
      throw diagnosticsError(toKubeApiError(error), "logs");
    }
  }
}
