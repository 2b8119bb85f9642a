const unitMs: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const component = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;

/** Parses a Go `time.ParseDuration` string ("2h", "90s", "1h30m", "1.5h", "300ms") into milliseconds. */
export function parseGoDuration(text: string): number {
  const input = text.trim();
  if (input === "0") return 0;
  let rest = input;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    sign = rest.startsWith("-") ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === "") throw new Error(`invalid duration "${text}"`);
  let total = 0;
  while (rest.length > 0) {
    const match = component.exec(rest);
    if (!match) throw new Error(`invalid duration "${text}" (use Go syntax such as 2h, 90s or 1h30m)`);
    total += Number(match[1]) * (unitMs[match[2] as string] ?? 0);
    rest = rest.slice(match[0].length);
  }
  return sign * total;
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
