import type { V1Pod, V1Service } from "@kubernetes/client-node";
import type { StackIdentity } from "../machines/stack.types.ts";
import { managedBySelector } from "../src/cluster/stack-resources.ts";
import type { KubeTransport } from "../src/kube/transport.ts";
import type { ObjectWaits } from "./object-waits.ts";
import type { RecordDesign } from "./record-designs.ts";
import { timed } from "./stats.ts";

/** The watches every phase waits on: Pods bound or gone, Services gone. */
export interface StackWaits {
  pods: ObjectWaits<V1Pod, "bound" | "gone">;
  services: ObjectWaits<V1Service, "gone">;
}

/** A design's stacks to act on, with the nodePort each Service gets. */
export interface StackBatch {
  design: RecordDesign;
  stacks: Array<{ identity: StackIdentity; nodePort: number }>;
}

/** Per stack that succeeded, in ms from its first request: until its requests answered, and until the awaited state. */
export interface StepTimings {
  answered: number[];
  reached: number[];
  /** From the first request of the batch until the last stack reached the state (or failed). */
  wallMs: number;
  /** The stacks whose requests failed or whose state never came, each with the error's message. */
  failures: Map<string, string>;
}

/**
 * Runs `step` once for each design, `rounds` times, in the order A B, B A, A B, ..., so that the
 * machine's drift falls on both designs alike.
 */
export async function alternate<T>(
  designs: readonly [T, T],
  rounds: number,
  step: (design: T, round: number) => Promise<void>,
): Promise<void> {
  for (let round = 0; round < rounds; round += 1) {
    const [first, second] = round % 2 === 0 ? designs : [designs[1], designs[0]];
    await step(first, round);
    await step(second, round);
  }
}

async function timeBatch(
  batch: StackBatch,
  concurrency: number,
  act: (stack: StackBatch["stacks"][number]) => Promise<void>,
  reached: (identity: StackIdentity) => Promise<unknown>,
): Promise<StepTimings> {
  const answered: number[] = new Array(batch.stacks.length);
  const failures = new Map<string, string>();
  const batchStarted = performance.now();
  const durations = await timed(batch.stacks.length, concurrency, async (index) => {
    const stack = batch.stacks[index];
    if (!stack) return;
    const started = performance.now();
    try {
      await act(stack);
      answered[index] = performance.now() - started;
      await reached(stack.identity);
    } catch (error) {
      // An overloaded API server answers 504 after 60 s; count it rather than lose the run.
      failures.set(stack.identity.stackId, error instanceof Error ? error.message : String(error));
    }
  });
  const succeeded = (_: number, index: number) => !failures.has(batch.stacks[index]?.identity.stackId ?? "");
  return {
    answered: answered.filter(succeeded),
    reached: durations.filter(succeeded),
    wallMs: performance.now() - batchStarted,
    failures,
  };
}

/** Creates each stack of the batch, `concurrency` at a time, and waits until its Pod is bound to a node. */
export function createUntilBound(batch: StackBatch, concurrency: number, waits: StackWaits) {
  return timeBatch(
    batch,
    concurrency,
    ({ identity, nodePort }) => batch.design.create(identity, nodePort),
    (identity) => waits.pods.until("bound", identity.podName),
  );
}

/** Deletes each stack of the batch, `concurrency` at a time, and waits until its Pod and Service are gone. */
export function deleteUntilGone(batch: StackBatch, concurrency: number, waits: StackWaits) {
  return timeBatch(
    batch,
    concurrency,
    ({ identity }) => batch.design.delete(identity),
    (identity) =>
      Promise.all([
        waits.pods.until("gone", identity.podName),
        waits.services.until("gone", identity.serviceName),
      ]),
  );
}

/** Writes a terminal status with its reason into each stack's record, one at a time: ms per write. */
export function writeTerminals(batch: StackBatch): Promise<number[]> {
  return timed(batch.stacks.length, 1, async (index) => {
    const stack = batch.stacks[index];
    if (stack) await batch.design.writeTerminal(stack.identity, "failed", "container app exited with code 1");
  });
}

/** One list of stackd's records as a watch would start it: ms until parsed, and the body's bytes. */
export async function listRecords(
  transport: KubeTransport,
  path: string,
  expected: number,
): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const response = await transport.request("GET", path, { query: { labelSelector: managedBySelector } });
  const body = await response.arrayBuffer();
  const list = JSON.parse(new TextDecoder().decode(body)) as { items?: unknown[] };
  const ms = performance.now() - started;
  if (!response.ok || list.items?.length !== expected)
    throw new Error(
      `list of ${path}: HTTP ${response.status}, ${list.items?.length} items, ${expected} expected`,
    );
  return { ms, bytes: body.byteLength };
}
