import { describe, expect, it } from "bun:test";
import { median } from "../../../bench/stats.ts";

describe("median", () => {
  it("takes the middle value, the mean of the two middle ones for an even count, and NaN for none", () => {
    expect(median([1.6, 2.41, 1.18])).toBe(1.6);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});
