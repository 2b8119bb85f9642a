import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { StackBatch, StepTimings } from "./record-phases.ts";
import { SideBySide } from "./side-by-side.ts";

const loadavg = () => readFileSync("/proc/loadavg", "utf8").trim();

/**
 * What one run of the record benchmark has measured: the figures side by side, the load average as
 * each phase started (the machine is shared and noisy), and the stacks that failed. Saved after every
 * phase, so that a run stopped half-way still leaves its numbers.
 */
export class RecordReport {
  readonly results: SideBySide;
  readonly #loads: Array<{ phase: string; loadavg: string }> = [];
  readonly #failures: Array<{ phase: string; design: string; count: number; example: string }> = [];
  readonly #path: string;
  readonly #header: Record<string, unknown>;
  readonly #log: (message: string) => void;

  constructor(options: {
    labels: readonly [string, string];
    /** Where the JSON goes. */
    path: string;
    /** Fields written first: the command, the configuration. */
    header: Record<string, unknown>;
    log: (message: string) => void;
  }) {
    this.results = new SideBySide(options.labels);
    this.#path = options.path;
    this.#header = { ...options.header, designs: { first: options.labels[0], second: options.labels[1] } };
    this.#log = options.log;
  }

  /** Notes the load average as a phase starts, and saves what the earlier phases measured. */
  startPhase(phase: string): void {
    this.#loads.push({ phase, loadavg: loadavg() });
    this.save(false);
  }

  /** Counts a step's failed stacks and drops them from the batch, so that later phases leave them out. */
  dropFailures(phase: string, batch: StackBatch, timings: StepTimings): void {
    if (timings.failures.size === 0) return;
    const [example = ""] = timings.failures.values();
    this.#failures.push({ phase, design: batch.design.label, count: timings.failures.size, example });
    this.#log(`${batch.design.label}: ${phase}: ${timings.failures.size} failed, e.g. ${example}`);
    batch.stacks = batch.stacks.filter(({ identity }) => !timings.failures.has(identity.stackId));
  }

  save(complete: boolean, extra: Record<string, unknown> = {}): void {
    const result = {
      date: new Date().toISOString(),
      ...this.#header,
      ...extra,
      complete,
      loadavg: this.#loads,
      ratioIs: "first / second, p50",
      rows: this.results.rows(),
      failures: this.#failures,
    };
    mkdirSync(dirname(this.#path), { recursive: true });
    writeFileSync(this.#path, `${JSON.stringify(result, null, 2)}\n`);
  }

  /** The table, the load averages and the failures, as printed at the end of a run. */
  summary(): string {
    const loads = this.#loads
      .map(({ phase, loadavg: load }) => `${phase} ${load.split(" ").slice(0, 3).join(" ")}`)
      .join("; ");
    return [
      this.results.table(),
      "",
      `Load average (2 cores) as each phase started: ${loads}.`,
      ...this.#failures.map(
        ({ phase, design, count, example }) =>
          `${design}: ${count} stacks failed in the ${phase} (e.g. ${example}); left out of the figures.`,
      ),
    ].join("\n");
  }
}
