/** How a Kubernetes quantity is written, which decides how its canonical form is printed. */
export type QuantityFormat = "DecimalSI" | "BinarySI" | "DecimalExponent";

/** A quantity that cannot be read; the message names the offending value. */
export class InvalidQuantityError extends Error {
  override readonly name = "InvalidQuantityError";
  readonly value: string;

  constructor(value: string, detail: string) {
    super(`invalid quantity ${JSON.stringify(value)}: ${detail}`);
    this.value = value;
  }
}

interface ParsedQuantity {
  text: string;
  format: QuantityFormat;
  /** The digits with the decimal point removed. */
  mantissa: bigint;
  /** The value is mantissa * 10^exp10 * 2^exp2. */
  exp10: number;
  exp2: number;
}

const decimalSuffixes: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  "": 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const binarySuffixes: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const maxQuantityLength = 128;
const numberPattern = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/;
const exponentPattern = /^[eE]([+-]?[0-9]+)$/;

function quantityText(q: string | number): string {
  if (typeof q === "number") {
    if (!Number.isFinite(q)) throw new InvalidQuantityError(String(q), "not a finite number");
    return String(q);
  }
  return q;
}

function readSuffix(text: string, suffix: string): { format: QuantityFormat; exp10: number; exp2: number } {
  const decimal = decimalSuffixes[suffix];
  if (decimal !== undefined) return { format: "DecimalSI", exp10: decimal, exp2: 0 };
  const binary = binarySuffixes[suffix];
  if (binary !== undefined) return { format: "BinarySI", exp10: 0, exp2: binary };
  const exponent = exponentPattern.exec(suffix);
  if (exponent?.[1] !== undefined) {
    return { format: "DecimalExponent", exp10: Number.parseInt(exponent[1], 10), exp2: 0 };
  }
  throw new InvalidQuantityError(text, `unknown suffix ${JSON.stringify(suffix)}`);
}

function parseQuantity(q: string | number): ParsedQuantity {
  const text = quantityText(q);
  if (text.length > maxQuantityLength) {
    throw new InvalidQuantityError(text.slice(0, 32), `longer than ${maxQuantityLength} characters`);
  }
  const match = numberPattern.exec(text);
  const whole = match?.[2] ?? "";
  const fraction = match?.[3] ?? "";
  if (!match || whole + fraction === "") {
    throw new InvalidQuantityError(text, "expected a number such as 100m or 1Gi");
  }
  if (match[1] === "-" && /[1-9]/.test(whole + fraction)) {
    throw new InvalidQuantityError(text, "must not be negative");
  }
  const suffix = readSuffix(text, match[4] ?? "");
  return {
    text,
    format: suffix.format,
    mantissa: BigInt(whole + fraction),
    exp10: suffix.exp10 - fraction.length,
    exp2: suffix.exp2,
  };
}

/** ceil(value / 10^scale) as an exact integer, like resource.Quantity.ScaledValue rounds. */
function ceilAtScale(quantity: ParsedQuantity, scale: number): number {
  if (quantity.mantissa === 0n) return 0;
  const numerator = quantity.mantissa << BigInt(quantity.exp2);
  const shift = quantity.exp10 - scale;
  let result: bigint;
  if (shift >= 0) {
    if (shift > 40) throw new InvalidQuantityError(quantity.text, "too large");
    result = numerator * 10n ** BigInt(shift);
  } else if (-shift > 200) {
    result = 1n;
  } else {
    const divisor = 10n ** BigInt(-shift);
    result = numerator / divisor + (numerator % divisor === 0n ? 0n : 1n);
  }
  if (result > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidQuantityError(quantity.text, "too large");
  return Number(result);
}

/** The format a quantity was written in: a binary suffix, an exponent, or decimal SI (plain numbers included). */
export function quantityFormat(q: string | number): QuantityFormat {
  return parseQuantity(q).format;
}

/** CPU in whole millicores, rounded up like Kubernetes' MilliValue(); throws InvalidQuantityError. */
export function parseCpuMilli(q: string | number): number {
  return ceilAtScale(parseQuantity(q), -3);
}

/** Memory in whole bytes, rounded up like Kubernetes' Value(); throws InvalidQuantityError. */
export function parseMemoryBytes(q: string | number): number {
  return ceilAtScale(parseQuantity(q), 0);
}

function formatDecimal(value: bigint, scale: number, format: QuantityFormat): string {
  let mantissa = value;
  let exponent = scale;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent += 1;
  }
  const remainder = ((exponent % 3) + 3) % 3;
  mantissa *= 10n ** BigInt(remainder);
  exponent -= remainder;
  if (format === "DecimalExponent") return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
  const suffix = Object.entries(decimalSuffixes).find(([, power]) => power === exponent)?.[0];
  return suffix === undefined ? `${mantissa}e${exponent}` : `${mantissa}${suffix}`;
}

function formatBinary(units: bigint): string {
  let mantissa = units;
  let power = 0;
  while (mantissa % 1024n === 0n && power < 60) {
    mantissa /= 1024n;
    power += 10;
  }
  const suffix = Object.entries(binarySuffixes).find(([, bits]) => bits === power)?.[0] ?? "";
  return `${mantissa}${suffix}`;
}

/** The canonical text of value * 10^scale, as Go's resource.Quantity.String() prints it. */
function formatCanonical(value: number, scale: 0 | -3, format: QuantityFormat): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`cannot format quantity ${value}`);
  if (value === 0) return "0";
  const exact = BigInt(value);
  if (format === "BinarySI") {
    const perUnit = scale === 0 ? 1n : 1000n;
    if (exact >= 1024n * perUnit && exact % perUnit === 0n) return formatBinary(exact / perUnit);
    return formatDecimal(exact, scale, "DecimalSI");
  }
  return formatDecimal(exact, scale, format);
}

/** Millicores as Go prints a CPU quantity: 100 -> "100m", 1000 -> "1", 1500 -> "1500m". */
export function formatCpu(milli: number, format: QuantityFormat = "DecimalSI"): string {
  return formatCanonical(milli, -3, format);
}

/** Bytes as Go prints a memory quantity: 134217728 -> "128Mi" (binary), 1000000 -> "1M" (decimal). */
export function formatMemory(bytes: number, format: QuantityFormat = "BinarySI"): string {
  return formatCanonical(bytes, 0, format);
}
