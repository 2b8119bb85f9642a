const unitNs: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  μs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Go's longest time.Duration: 2^63-1 ns; a negative one may reach -2^63 ns. */
const maxNs = 2n ** 63n - 1n;

/** Go's longest duration as Go prints it. */
export const maxGoDurationText = "2562047h47m16.854775807s";

/** Go's longest duration in milliseconds (9223372036854.775807). */
export const maxGoDurationMs = Number(maxNs) / 1e6;

/** Digits beyond these say nothing about a nanosecond count that fits in int64. */
const significantDigits = 20;

/** One `<number><unit>` of a duration: integer digits, fraction digits, unit (Go takes up to a digit or '.'). */
const component = /(\d*)(?:\.(\d*))?([^\d.]*)/y;

/** A duration text Go's time.ParseDuration refuses; `outOfRange` when it is well formed but longer than Go's longest. */
export class DurationError extends Error {
  override readonly name = "DurationError";
  readonly outOfRange: boolean;

  constructor(message: string, outOfRange = false) {
    super(message);
    this.outOfRange = outOfRange;
  }
}

const syntaxError = (text: string) =>
  new DurationError(`invalid duration "${text}" (use Go syntax such as 2h, 90s or 1h30m)`);

const tooLong = (text: string) =>
  new DurationError(
    `invalid duration "${text}": longer than Go's longest duration (${maxGoDurationText})`,
    true,
  );

/** The nanoseconds of the component of `input` at `component.lastIndex`, which it moves past it. */
function componentNs(text: string, input: string): bigint {
  const match = component.exec(input);
  const [whole, integer = "", fraction, unit = ""] = match ?? [];
  if (!whole || (integer === "" && !fraction)) throw syntaxError(text);
  const scale = unitNs[unit];
  if (scale === undefined) throw syntaxError(text);
  const digits = integer.replace(/^0+/, "");
  if (digits.length > significantDigits) throw tooLong(text);
  const fractionDigits = (fraction ?? "").slice(0, significantDigits);
  const fractionNs =
    fractionDigits === "" ? 0n : (BigInt(fractionDigits) * scale) / 10n ** BigInt(fractionDigits.length);
  return BigInt(digits || "0") * scale + fractionNs;
}

/**
 * Parses a Go `time.ParseDuration` string ("2h", "90s", "1h30m", "1.5h", "300ms") into milliseconds,
 * refusing what Go refuses, including a duration past int64 nanoseconds (about 292 years).
 */
export function parseGoDuration(text: string): number {
  const input = text.trim();
  if (input === "0") return 0;
  const negative = input.startsWith("-");
  let start = negative || input.startsWith("+") ? 1 : 0;
  if (start === input.length) throw syntaxError(text);
  let totalNs = 0n;
  while (start < input.length) {
    component.lastIndex = start;
    totalNs += componentNs(text, input);
    if (totalNs > maxNs + 1n) throw tooLong(text);
    start = component.lastIndex;
  }
  if (totalNs > maxNs && !negative) throw tooLong(text);
  const ms = Number(totalNs) / 1e6;
  return negative ? -ms : ms;
}

/** Formats milliseconds the way Go prints a time.Duration ("2h0m0s", "1m30s", "500ms"). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (Math.abs(ms) < 1000) return `${ms}ms`;
  const sign = ms < 0 ? "-" : "";
  let rest = Math.abs(ms);
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = rest / 1000;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}
