import { maxTimerDelayMs } from "../../machines/timer-delay.ts";
import { parseMemoryBytes } from "../podspec/quantity.ts";
import { formatGoDuration, maxGoDurationMs, parseGoDuration } from "./duration.ts";

/**
 * Readers of single environment variables: each trims, applies its default to an absent or blank
 * value, and refuses a bad one with a ConfigError naming the variable and the allowed form.
 */

/** A configuration value that stops start-up; the message names the variable. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly variable: string;

  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.variable = variable;
  }
}

export type Env = Record<string, string | undefined>;

export function read(env: Env, name: string, fallback: string): string {
  const value = env[name];
  return value === undefined || value.trim() === "" ? fallback : value.trim();
}

export interface DurationOptions {
  allowZero?: boolean;
  /**
   * The longest value allowed, with why. By default what one timer can hold (2^31-1 ms): the value
   * is waited on with setTimeout, which fires a longer delay at once.
   */
  max?: { ms: number; reason: string };
}

/** The longest timer delay, the default limit of a duration. */
export const timerDelayLimit = { ms: maxTimerDelayMs, reason: "the longest delay a timer can hold" };

/** No limit but Go's: for a duration compared with times or re-armed in steps, never one timer's delay. */
export const goDurationLimit = { ms: maxGoDurationMs, reason: "Go's longest duration" };

/** A Go duration in milliseconds: positive (or zero when allowed), at most `max`. */
export function duration(env: Env, name: string, fallback: string, options: DurationOptions = {}): number {
  const text = read(env, name, fallback);
  let ms: number;
  try {
    ms = parseGoDuration(text);
  } catch (error) {
    throw new ConfigError(name, (error as Error).message);
  }
  if (ms < 0 || (ms === 0 && !options.allowZero))
    throw new ConfigError(name, `must be a positive duration, got "${text}"`);
  const max = options.max ?? timerDelayLimit;
  if (ms > max.ms)
    throw new ConfigError(name, `must be at most ${formatGoDuration(max.ms)} (${max.reason}), got "${text}"`);
  return Math.round(ms);
}

export function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const text = read(env, name, String(fallback));
  if (!/^\d+$/.test(text)) throw new ConfigError(name, `must be a whole number, got "${text}"`);
  const value = Number(text);
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

export function positiveNumber(env: Env, name: string, fallback: number): number {
  const text = read(env, name, String(fallback));
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new ConfigError(name, `must be a positive number, got "${text}"`);
  return value;
}

export function boolean(env: Env, name: string, fallback: boolean): boolean {
  const text = read(env, name, String(fallback)).toLowerCase();
  if (["1", "t", "true", "yes", "on"].includes(text)) return true;
  if (["0", "f", "false", "no", "off"].includes(text)) return false;
  throw new ConfigError(name, `must be true or false, got "${text}"`);
}

export function onOff(env: Env, name: string, fallback: "on" | "off"): boolean {
  const text = read(env, name, fallback).toLowerCase();
  if (text !== "on" && text !== "off") throw new ConfigError(name, `must be "on" or "off", got "${text}"`);
  return text === "on";
}

export function oneOf<const T extends readonly string[]>(
  env: Env,
  name: string,
  allowed: T,
  fallback: T[number],
): T[number] {
  const text = read(env, name, fallback).toLowerCase();
  if (!allowed.includes(text))
    throw new ConfigError(name, `must be one of ${allowed.join(", ")}, got "${text}"`);
  return text as T[number];
}

/** A comma-separated list; blanks are dropped. */
export function list(env: Env, name: string): string[] {
  return read(env, name, "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** A memory quantity such as "1Gi" or "512Mi", in bytes. */
export function quantityBytes(env: Env, name: string, fallback: string): number {
  const text = read(env, name, fallback);
  try {
    const bytes = parseMemoryBytes(text);
    if (bytes <= 0) throw new Error("must be positive");
    return bytes;
  } catch (error) {
    throw new ConfigError(
      name,
      `must be a quantity such as "1Gi" or "512Mi", got "${text}" (${(error as Error).message})`,
    );
  }
}
