import { readFileSync } from "node:fs";
import type { Logger } from "../log/logger.ts";
import { type NamedKey, parseKeyFile } from "./key-file.ts";
import type { KeyRing } from "./key-ring.ts";

export interface KeyFileReloaderOptions {
  file: string;
  /** Keys configured elsewhere (API_KEY), valid beside the file's. */
  fixed: NamedKey[];
  ring: KeyRing;
  logger: Logger;
  /** Reads the file's text; tests swap it. */
  read?: (file: string) => string;
}

export type ReloadOutcome = "reloaded" | "unchanged" | "kept";

/**
 * Keeps a KeyRing equal to the fixed keys plus a key file's. It reads the file's text on each check (a
 * mounted Secret is replaced through a `..data` symlink swap, which changes neither the path nor always
 * the mtime) and reloads only when the text changed. A file that cannot be read or parsed keeps the keys
 * in force and logs one error per distinct problem.
 */
export class KeyFileReloader {
  readonly #options: KeyFileReloaderOptions;
  readonly #read: (file: string) => string;
  /** The text whose keys are in force. */
  #applied: string | null = null;
  /** The last problem logged, so that a file left bad is not logged every interval. */
  #lastProblem: string | null = null;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: KeyFileReloaderOptions) {
    this.#options = options;
    this.#read = options.read ?? ((file) => readFileSync(file, "utf8"));
  }

  /** Reads and applies the file; throws (a read error or a KeyFileError) when it cannot be used. */
  load(): void {
    const { file, fixed, ring } = this.#options;
    const text = this.#read(file);
    const keys = parseKeyFile(text, { file, reserved: fixed });
    ring.replace([...fixed, ...keys]);
    this.#applied = text;
  }

  /** Applies the file if its text changed; a bad file keeps the keys in force. */
  reload(): ReloadOutcome {
    const { file, logger, ring } = this.#options;
    try {
      if (this.#read(file) === this.#applied) return "unchanged";
      this.load();
    } catch (error) {
      const problem = (error as Error).message;
      if (problem !== this.#lastProblem)
        logger.error("API keys file refused; the keys in force stay valid", { file, error: problem });
      this.#lastProblem = problem;
      return "kept";
    }
    this.#lastProblem = null;
    logger.info("API keys reloaded", { file, names: ring.names() });
    return "reloaded";
  }

  /** Checks the file every `intervalMs`. */
  start(intervalMs: number): void {
    this.stop();
    this.#timer = setInterval(() => this.reload(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
