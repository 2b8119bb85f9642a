import { ConfigError } from "../config/env-readers.ts";
import type { Logger } from "../log/logger.ts";
import type { NamedKey } from "./key-file.ts";
import { KeyFileReloader } from "./key-file-reloader.ts";
import { KeyRing } from "./key-ring.ts";

/** The name API_KEY's key goes by in the access log. */
export const defaultKeyName = "default";

export interface ApiKeysConfig {
  apiKeyEnabled: boolean;
  apiKey: string;
  apiKeysFile?: string;
  apiKeysReloadMs: number;
}

export interface ApiKeys {
  ring: KeyRing;
  /** Stops watching the key file. */
  stop(): void;
}

/**
 * The keys the API accepts (null: auth is off): API_KEY, named "default", and API_KEYS_FILE's, re-read
 * every API_KEYS_RELOAD_INTERVAL. A key file that cannot be read or parsed at start is a ConfigError.
 */
export function openApiKeys(config: ApiKeysConfig, logger: Logger): ApiKeys | null {
  if (!config.apiKeyEnabled) return null;
  const fixed: NamedKey[] = config.apiKey === "" ? [] : [{ name: defaultKeyName, key: config.apiKey }];
  const ring = new KeyRing(fixed);
  if (config.apiKeysFile === undefined) return { ring, stop() {} };
  const reloader = new KeyFileReloader({
    file: config.apiKeysFile,
    fixed,
    ring,
    logger: logger.child({ component: "api-keys" }),
  });
  try {
    reloader.load();
  } catch (error) {
    throw new ConfigError("API_KEYS_FILE", (error as Error).message);
  }
  reloader.start(config.apiKeysReloadMs);
  return { ring, stop: () => reloader.stop() };
}
