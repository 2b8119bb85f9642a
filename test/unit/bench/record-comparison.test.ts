import { describe, expect, it } from "bun:test";
import { alternate } from "../../../bench/record-phases.ts";
import { SideBySide } from "../../../bench/side-by-side.ts";

describe("alternate", () => {
  it("runs the two designs in the order A B, B A, A B, so that drift falls on both alike", async () => {
    const order: string[] = [];
    await alternate(["a", "b"] as const, 3, async (design, round) => {
      order.push(`${design}${round}`);
    });
    expect(order).toEqual(["a0", "b0", "b1", "a1", "a2", "b2"]);
  });

  it("runs nothing for zero rounds", async () => {
    const order: string[] = [];
    await alternate(["a", "b"] as const, 0, async (design) => {
      order.push(design);
    });
    expect(order).toEqual([]);
  });
});

describe("SideBySide", () => {
  it("keeps each design's samples apart whatever the order they come in", () => {
    const results = new SideBySide(["first", "second"]);
    results.add("write", "ms", "second", [10, 30]);
    results.add("write", "ms", "first", [4]);
    results.add("write", "ms", "second", [20]);
    const [row] = results.rows();
    expect(row?.first.count).toBe(1);
    expect(row?.second.count).toBe(3);
    expect(row?.second.p50).toBe(20);
  });

  it("answers the ratio of the first design's median to the second's", () => {
    const results = new SideBySide(["first", "second"]);
    results.add("list", "ms", "first", [30]);
    results.add("list", "ms", "second", [20]);
    expect(results.rows()[0]?.ratio).toBe(1.5);
  });

  it("prints one table row per measurement, in the order they were first added", () => {
    const results = new SideBySide(["first", "second"]);
    results.add("create", "ms", "first", [1]);
    results.add("delete", "ms", "first", [2]);
    results.add("create", "ms", "second", [1]);
    const lines = results.table().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[2]).toStartWith("| create | ms | 1 / 1 |");
    expect(lines[3]).toStartWith("| delete | ms | 1 / 0 |");
  });
});
