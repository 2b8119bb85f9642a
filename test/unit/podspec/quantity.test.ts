import { describe, expect, it } from "bun:test";
import {
  formatCpu,
  formatMemory,
  InvalidQuantityError,
  parseCpuMilli,
  parseMemoryBytes,
  type QuantityFormat,
  quantityFormat,
} from "../../../src/podspec/quantity.ts";

// Expected values were checked against k8s.io/apimachinery's resource.Quantity (MilliValue, Value, String).
describe("parseCpuMilli", () => {
  it.each<[string | number, number]>([
    ["100m", 100],
    ["0.5", 500],
    ["1", 1000],
    ["2.5", 2500],
    ["1500m", 1500],
    [".5", 500],
    ["5.", 5000],
    ["+1", 1000],
    ["1e-3", 1],
    ["1e3", 1_000_000],
    ["1.5e3", 1_500_000],
    ["12e2", 1_200_000],
    [0.5, 500],
    [2, 2000],
    ["0", 0],
    ["-0", 0],
  ])("reads %p as %d millicores", (quantity, milli) => {
    expect(parseCpuMilli(quantity)).toBe(milli);
  });

  it.each<[string, number]>([
    ["0.1m", 1],
    ["1.0001", 1001],
    ["1.5e-3", 2],
    ["1n", 1],
    ["100u", 1],
    ["1e-400", 1],
  ])("rounds %p up to %d millicores like MilliValue()", (quantity, milli) => {
    expect(parseCpuMilli(quantity)).toBe(milli);
  });
});

describe("parseMemoryBytes", () => {
  it.each<[string | number, number]>([
    ["128Mi", 134_217_728],
    ["1Gi", 1_073_741_824],
    ["134217728", 134_217_728],
    [134217728, 134_217_728],
    ["128M", 128_000_000],
    ["1e3", 1000],
    ["0.5Gi", 536_870_912],
    ["1.5Ki", 1536],
    ["1k", 1000],
    ["1Ti", 1_099_511_627_776],
    ["1P", 1_000_000_000_000_000],
  ])("reads %p as %d bytes", (quantity, bytes) => {
    expect(parseMemoryBytes(quantity)).toBe(bytes);
  });

  it.each<[string, number]>([
    ["1.1Ki", 1127],
    ["0.3Gi", 322_122_548],
    ["0.5", 1],
  ])("rounds %p up to %d bytes like Value()", (quantity, bytes) => {
    expect(parseMemoryBytes(quantity)).toBe(bytes);
  });
});

describe("invalid quantities", () => {
  it.each([
    ["abc", 'invalid quantity "abc"'],
    ["", 'invalid quantity ""'],
    [".", 'invalid quantity "."'],
    ["Mi", 'invalid quantity "Mi"'],
    ["1K", 'unknown suffix "K"'],
    ["1ki", 'unknown suffix "ki"'],
    ["1e", 'unknown suffix "e"'],
    ["1.2.3", 'invalid quantity "1.2.3"'],
    [" 1", 'invalid quantity " 1"'],
    ["1 ", 'unknown suffix " "'],
    ["-1", "must not be negative"],
    ["-100m", "must not be negative"],
    ["1Ei", "too large"],
    ["1e30", "too large"],
  ])("rejects %p, naming the value", (quantity, message) => {
    expect(() => parseMemoryBytes(quantity)).toThrow(InvalidQuantityError);
    expect(() => parseMemoryBytes(quantity)).toThrow(message);
  });

  it("rejects numbers that are not finite", () => {
    expect(() => parseCpuMilli(Number.POSITIVE_INFINITY)).toThrow('invalid quantity "Infinity"');
  });
});

describe("quantityFormat", () => {
  it.each<[string, QuantityFormat]>([
    ["128Mi", "BinarySI"],
    ["1Gi", "BinarySI"],
    ["128M", "DecimalSI"],
    ["100m", "DecimalSI"],
    ["134217728", "DecimalSI"],
    ["1e3", "DecimalExponent"],
    ["1E3", "DecimalExponent"],
  ])("reads the format of %p as %s", (quantity, format) => {
    expect(quantityFormat(quantity)).toBe(format);
  });
});

describe("formatCpu", () => {
  it.each<[number, QuantityFormat, string]>([
    [100, "DecimalSI", "100m"],
    [1000, "DecimalSI", "1"],
    [1500, "DecimalSI", "1500m"],
    [2500, "DecimalSI", "2500m"],
    [10_000, "DecimalSI", "10"],
    [1_000_000, "DecimalSI", "1k"],
    [0, "DecimalSI", "0"],
    [1500, "BinarySI", "1500m"],
    [1_024_000, "BinarySI", "1Ki"],
    [1, "DecimalExponent", "1e-3"],
    [1500, "DecimalExponent", "1500e-3"],
    [2000, "DecimalExponent", "2"],
  ])("prints %d millicores in %s as %p", (milli, format, text) => {
    expect(formatCpu(milli, format)).toBe(text);
  });

  it("prints decimal SI by default", () => {
    expect(formatCpu(250)).toBe("250m");
  });
});

describe("formatMemory", () => {
  it.each<[number, QuantityFormat, string]>([
    [134_217_728, "BinarySI", "128Mi"],
    [1_073_741_824, "BinarySI", "1Gi"],
    [1_610_612_736, "BinarySI", "1536Mi"],
    [1_125_899_906_842_624, "BinarySI", "1Pi"],
    [1024, "BinarySI", "1Ki"],
    [1023, "BinarySI", "1023"],
    [1000, "BinarySI", "1k"],
    [1536, "BinarySI", "1536"],
    [1_000_000, "DecimalSI", "1M"],
    [1_500_000, "DecimalSI", "1500k"],
    [128_000_000, "DecimalSI", "128M"],
    [134_217_728, "DecimalSI", "134217728"],
    [1_000_000, "DecimalExponent", "1e6"],
    [1500, "DecimalExponent", "1500"],
    [Number.MAX_SAFE_INTEGER, "BinarySI", "9007199254740991"],
  ])("prints %d bytes in %s as %p", (bytes, format, text) => {
    expect(formatMemory(bytes, format)).toBe(text);
  });

  it("prints binary SI by default", () => {
    expect(formatMemory(134_217_728)).toBe("128Mi");
  });

  it("refuses values that are not whole non-negative numbers", () => {
    expect(() => formatMemory(1.5)).toThrow(RangeError);
    expect(() => formatMemory(-1)).toThrow(RangeError);
  });
});
