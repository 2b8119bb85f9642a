import type { TypedKubeClient } from "../src/kube/typed-api.ts";
import type { RecordDesign } from "./record-designs.ts";
import { alternate, listRecords, type StackBatch } from "./record-phases.ts";
import type { SideBySide } from "./side-by-side.ts";
import { round, timed } from "./stats.ts";

/** What the list measurement needs from the benchmark around it. */
export interface RecordListOptions {
  kube: TypedKubeClient;
  designs: readonly [RecordDesign, RecordDesign];
  results: SideBySide;
  /** Stacks per design; rounded up to whole chunks. */
  count: number;
  chunks: number;
  concurrency: number;
  listRounds: number;
  /** `count` new stacks of `design` in `namespace`. */
  batchOf: (design: RecordDesign, group: string, count: number, namespace: string) => StackBatch;
  /** The namespace that holds the design's stacks (created here). */
  namespaceOf: (design: RecordDesign) => string;
  log: (message: string) => void;
}

/**
 * Stacks without Pods (what each design keeps besides the Pod: the record and the Service), created
 * `concurrency` at a time in alternating chunks, then listed as a restarted stackd would list them: the
 * records' collection alone, and every collection it reads besides Pods, in parallel. Answers the count.
 */
export async function measureRecordLists(options: RecordListOptions): Promise<number> {
  const { kube, designs, results, concurrency, namespaceOf } = options;
  const perChunk = Math.ceil(options.count / options.chunks);
  const stored = perChunk * options.chunks;
  for (const design of designs)
    await kube.core.createNamespace({ body: { metadata: { name: namespaceOf(design) } } });
  const createSeconds = new Map<RecordDesign, number>(designs.map((design) => [design, 0]));
  await alternate(designs, options.chunks, async (design, index) => {
    const batch = options.batchOf(design, `r${index}`, perChunk, namespaceOf(design));
    const started = performance.now();
    await timed(batch.stacks.length, concurrency, async (stackIndex) => {
      const stack = batch.stacks[stackIndex];
      if (stack) await design.createRecord(stack.identity, stack.nodePort);
    });
    const seconds = (performance.now() - started) / 1000;
    createSeconds.set(design, (createSeconds.get(design) ?? 0) + seconds);
    options.log(
      `${design.label}: chunk ${index + 1} of ${options.chunks}, ${round(perChunk / seconds)} creates/s`,
    );
  });
  const listAll = (design: RecordDesign) =>
    Promise.all(
      design.recordPaths(namespaceOf(design)).map((path) => listRecords(kube.transport, path, stored)),
    );
  for (const design of designs) {
    const rate = round(stored / (createSeconds.get(design) ?? Number.NaN));
    results.add(
      `create ${stored} stacks without Pods (record and Service), ${concurrency} at a time`,
      "creates/s",
      design.label,
      [rate],
    );
    // The first lists warm the watch cache up; their bodies are as large as every later one.
    const lists = await listAll(design);
    const bytes = lists.reduce((sum, list) => sum + list.bytes, 0);
    results.add(`list ${stored} records: body`, "bytes", design.label, [lists[0]?.bytes ?? Number.NaN]);
    results.add("list records and Services: body", "bytes", design.label, [bytes]);
    results.add("list records and Services: body per stack", "bytes", design.label, [round(bytes / stored)]);
  }
  await alternate(designs, options.listRounds, async (design) => {
    // The records' collection alone, then (apart, so that neither list slows the other's figure) every
    // collection together, as a restarted stackd starts its watches.
    const [recordsPath = ""] = design.recordPaths(namespaceOf(design));
    const alone = await listRecords(kube.transport, recordsPath, stored);
    results.add(`list ${stored} records: until parsed`, "ms", design.label, [alone.ms]);
    const lists = await listAll(design);
    results.add("list records and Services, in parallel: until all parsed", "ms", design.label, [
      Math.max(...lists.map((list) => list.ms)),
    ]);
  });
  return stored;
}
