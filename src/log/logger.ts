import { contextLogFields } from "./log-context.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";

export type LogFields = Record<string, unknown>;

/** Structured key/value logger: one JSON object per line on stderr. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const levelRank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  level?: LogLevel;
  write?: (line: string) => void;
  bindings?: LogFields;
}

function serialiseValue(value: unknown): unknown {
  if (value instanceof Error) {
    const cause = (value as Error & { cause?: unknown }).cause;
    return {
      name: value.name,
      message: value.message,
      ...(value.stack ? { stack: value.stack } : {}),
      ...(cause === undefined ? {} : { cause: serialiseValue(cause) }),
    };
  }
  return value;
}

/** Creates a logger; `write` defaults to stderr so stdout stays free for command output. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = levelRank[options.level ?? "info"];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const bindings = options.bindings ?? {};

  const emit = (level: LogLevel, message: string, fields?: LogFields) => {
    if (levelRank[level] < threshold) return;
    const record: LogFields = {
      time: new Date().toISOString(),
      level,
      msg: message,
      ...bindings,
      ...contextLogFields(),
    };
    for (const [key, value] of Object.entries(fields ?? {})) record[key] = serialiseValue(value);
    write(JSON.stringify(record));
  };

  return {
    debug: (message, fields) => emit("debug", message, fields),
    info: (message, fields) => emit("info", message, fields),
    warn: (message, fields) => emit("warn", message, fields),
    error: (message, fields) => emit("error", message, fields),
    child: (fields) => createLogger({ ...options, bindings: { ...bindings, ...fields } }),
  };
}

/** A logger that drops everything; for tests that do not assert on logs. */
export const silentLogger: Logger = createLogger({ level: "error", write: () => {} });
