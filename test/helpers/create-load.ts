import type { TypedKubeClient } from "../../src/kube/typed-api.ts";
import { podSpecYaml } from "./stackd.ts";
import type { StackdProcess } from "./stackd-process.ts";

/** One answer to `POST /stacks`: status 0 when the connection failed. */
export interface CreateAnswer {
  status: number;
  error: string;
  stackId?: string;
  /** The acknowledged record's NodePort and creation time. */
  nodePort?: number;
  createdAt?: string;
  retryAfter?: string;
  /** The replica the client sent it to. */
  sentTo: StackdProcess;
}

/** A create through `replica`, as a client sends it, given up after `timeoutMs`; never throws. */
export async function createStack(replica: StackdProcess, timeoutMs = 60_000): Promise<CreateAnswer> {
  const body = JSON.stringify({ target_port: 80, pod_spec: podSpecYaml() });
  const signal = AbortSignal.timeout(timeoutMs);
  const response = await replica.api("/stacks", { method: "POST", body, signal }).catch(() => undefined);
  if (!response) return { status: 0, error: "no answer", sentTo: replica };
  const answer = (await response.json().catch(() => ({}))) as {
    stack_id?: string;
    error?: string;
    node_port?: number;
    created_at?: string;
  };
  const retryAfter = response.headers.get("retry-after");
  return {
    status: response.status,
    error: answer.error ?? "",
    sentTo: replica,
    ...(answer.stack_id ? { stackId: answer.stack_id } : {}),
    ...(answer.node_port ? { nodePort: answer.node_port } : {}),
    ...(answer.created_at ? { createdAt: answer.created_at } : {}),
    ...(retryAfter ? { retryAfter } : {}),
  };
}

/**
 * Clients creating stacks one after another, each through the given replicas in turn, until `stop()`;
 * every answer is kept. `pauseMs` between a client's creates keeps the number of stacks a test makes
 * small; a client gives a create up after `timeoutMs` (a replica that is stopped answers nothing).
 */
export class CreateLoad {
  readonly answers: CreateAnswer[] = [];
  #running: Promise<void>[] = [];
  #stopped = false;

  constructor(
    replicas: readonly StackdProcess[],
    options: { clients?: number; pauseMs?: number; timeoutMs?: number } = {},
  ) {
    const clients = options.clients ?? 3;
    const pauseMs = options.pauseMs ?? 200;
    const targets = [...replicas];
    this.#running = Array.from({ length: clients }, async (_, client) => {
      for (let turn = client; !this.#stopped; turn += 1) {
        const replica = targets[turn % targets.length] as StackdProcess;
        this.answers.push(await createStack(replica, options.timeoutMs));
        if (!this.#stopped) await Bun.sleep(pauseMs);
      }
    });
  }

  /** The stack ids of every create answered 201. */
  acknowledged(): string[] {
    return this.answers.flatMap((answer) =>
      answer.status === 201 && answer.stackId ? [answer.stackId] : [],
    );
  }

  /** Stops sending and waits for the creates in flight to be answered. */
  async stop(): Promise<CreateAnswer[]> {
    this.#stopped = true;
    await Promise.all(this.#running);
    return this.answers;
  }
}

/** The stack ids of the namespace's live (not deleting) Pods and Services, and the nodePorts they hold. */
export async function clusterStacks(kube: TypedKubeClient, namespace: string) {
  const [pods, services] = await Promise.all([
    kube.core.listNamespacedPod({ namespace }),
    kube.core.listNamespacedService({ namespace }),
  ]);
  const live = <T extends { metadata?: { deletionTimestamp?: Date; labels?: Record<string, string> } }>(
    items: T[],
  ) =>
    items
      .filter((item) => !item.metadata?.deletionTimestamp)
      .map((item) => item.metadata?.labels?.["stackd.io/stack-id"] ?? "")
      .filter(Boolean)
      .sort();
  return {
    pods: live(pods.items),
    services: live(services.items),
    nodePorts: services.items.flatMap((service) => (service.spec?.ports ?? []).map((port) => port.nodePort)),
  };
}

/**
 * The acknowledged stacks that are missing somewhere: no Pod, no Service, or `replica` does not answer
 * `GET /stacks/:id` with 200. Empty when every one of them exists.
 */
export async function missingStacks(
  kube: TypedKubeClient,
  namespace: string,
  replica: StackdProcess,
  acknowledged: string[],
): Promise<string[]> {
  const state = await clusterStacks(kube, namespace);
  const missing: string[] = [];
  for (const stackId of acknowledged) {
    const read = await replica.api(`/stacks/${stackId}`).catch(() => undefined);
    if (read?.status !== 200) missing.push(`${stackId}: GET ${read?.status ?? "no answer"}`);
    if (!state.pods.includes(stackId)) missing.push(`${stackId}: no Pod`);
    if (!state.services.includes(stackId)) missing.push(`${stackId}: no Service`);
  }
  return missing;
}

/**
 * Asks `problems` again and again for `durationMs` and fails at the first answer that names one: for
 * proving that something does not happen over a stretch of time (a sweep, a second leader).
 */
export async function holdsThroughout(
  what: string,
  problems: () => Promise<string[]>,
  durationMs: number,
): Promise<void> {
  const end = Date.now() + durationMs;
  for (let checks = 0; ; checks += 1) {
    const found = await problems();
    if (found.length > 0)
      throw new Error(`${what} stopped holding after ${checks} checks: ${found.slice(0, 10).join(", ")}`);
    if (Date.now() >= end) return;
    await Bun.sleep(200);
  }
}
