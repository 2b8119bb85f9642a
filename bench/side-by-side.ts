import { round, type Summary, summarise } from "./stats.ts";

/** One measurement of two designs in the same run, and the ratio of their medians (first / second). */
export interface ComparedRow {
  measurement: string;
  unit: string;
  first: Summary;
  second: Summary;
  ratio: number;
}

/** Samples of one measurement for two designs, gathered in any order and summarised side by side. */
export class SideBySide {
  readonly #labels: readonly [string, string];
  readonly #samples = new Map<string, { unit: string; first: number[]; second: number[] }>();

  constructor(labels: readonly [string, string]) {
    this.#labels = labels;
  }

  /** Adds samples of `measurement` for the design labelled `label`. */
  add(measurement: string, unit: string, label: string, values: number[]): void {
    const entry = this.#samples.get(measurement) ?? { unit, first: [], second: [] };
    this.#samples.set(measurement, entry);
    (label === this.#labels[0] ? entry.first : entry.second).push(...values);
  }

  rows(): ComparedRow[] {
    return [...this.#samples].map(([measurement, { unit, first, second }]) => {
      const [a, b] = [summarise(first), summarise(second)];
      return { measurement, unit, first: a, second: b, ratio: round(a.p50 / Math.max(0.001, b.p50)) };
    });
  }

  /** A Markdown table: n, p50 and p99 of each design, and the ratio of the p50s. */
  table(): string {
    const [a, b] = this.#labels;
    const lines = [
      `| measurement | unit | n | ${a} p50 | ${b} p50 | ratio | ${a} p99 | ${b} p99 |`,
      "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ];
    for (const row of this.rows()) {
      lines.push(
        `| ${row.measurement} | ${row.unit} | ${row.first.count} / ${row.second.count} | ${row.first.p50} | ${row.second.p50} | ${row.ratio}x | ${row.first.p99} | ${row.second.p99} |`,
      );
    }
    return lines.join("\n");
  }
}
