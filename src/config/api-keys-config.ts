import { boolean, ConfigError, duration, type Env, read } from "./env-readers.ts";

/** How requests are authenticated: API_KEY_ENABLED, API_KEY, API_KEYS_FILE (docs/api-keys.md). */
export interface ApiKeysConfig {
  apiKeyEnabled: boolean;
  apiKey: string;
  apiKeysFile?: string;
  apiKeysReloadMs: number;
}

/** API_KEY_ENABLED, API_KEY and API_KEYS_FILE: with auth on, at least one of the two keys' sources. */
export function apiKeysConfig(env: Env): ApiKeysConfig {
  const apiKeyEnabled = boolean(env, "API_KEY_ENABLED", true);
  const apiKey = read(env, "API_KEY", "");
  const apiKeysFile = read(env, "API_KEYS_FILE", "");
  if (apiKeyEnabled && apiKey === "" && apiKeysFile === "")
    throw new ConfigError(
      "API_KEY",
      "is required while API_KEY_ENABLED is true, unless API_KEYS_FILE is set (set API_KEY_ENABLED=false to turn auth off)",
    );
  if (!apiKeyEnabled && apiKeysFile !== "")
    throw new ConfigError("API_KEYS_FILE", "is set while API_KEY_ENABLED is false: unset one of them");
  return {
    apiKeyEnabled,
    apiKey,
    ...(apiKeysFile === "" ? {} : { apiKeysFile }),
    apiKeysReloadMs: duration(env, "API_KEYS_RELOAD_INTERVAL", "5s"),
  };
}
