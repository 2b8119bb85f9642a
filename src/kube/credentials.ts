import { readFileSync } from "node:fs";
import type { KubeConfig } from "@kubernetes/client-node";
import type { KubeconfigSource, LoadedKubeConfig } from "./kubeconfig.ts";

type KubeconfigFile = Extract<KubeconfigSource, { kind: "file" }>;

/** Produces the request headers that authenticate a user, refreshing rotating tokens as needed. */
export interface CredentialSource {
  headers(): Promise<Record<string, string>>;
}

const tokenFileRefreshMs = 60_000;

/** A token read from a file and re-read at most once a minute, like client-go does for projected tokens. */
class TokenFileCredentials implements CredentialSource {
  #path: string;
  #token = "";
  #readAt = 0;

  constructor(path: string) {
    this.#path = path;
  }

  async headers(): Promise<Record<string, string>> {
    if (Date.now() - this.#readAt > tokenFileRefreshMs) {
      this.#token = readFileSync(this.#path, "utf8").trim();
      this.#readAt = Date.now();
    }
    return this.#token ? { authorization: `Bearer ${this.#token}` } : {};
  }
}

/**
 * An exec credential plugin or an auth provider (OIDC, cloud providers): client-node runs it, loaded
 * on the first request (its import is a quarter of a second that no other user pays), from the same
 * kubeconfig and context, and it caches and refreshes the credential itself.
 */
class DelegatedCredentials implements CredentialSource {
  #source: KubeconfigFile;
  #kubeConfig: Promise<KubeConfig> | undefined;

  constructor(source: KubeconfigFile) {
    this.#source = source;
  }

  async headers(): Promise<Record<string, string>> {
    this.#kubeConfig ??= this.#load();
    const options: { headers?: Record<string, string> } = {};
    await (await this.#kubeConfig).applyToHTTPSOptions(options as never);
    const value = options.headers?.Authorization;
    return value ? { authorization: value } : {};
  }

  async #load(): Promise<KubeConfig> {
    const { KubeConfig } = await import("@kubernetes/client-node");
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(this.#source.path);
    kubeConfig.setCurrentContext(this.#source.context);
    return kubeConfig;
  }
}

const noCredentials: CredentialSource = { headers: async () => ({}) };

/** Chooses how the current user of a kubeconfig authenticates (client certificates are handled by TLS). */
export function credentialsFor(kubeConfig: LoadedKubeConfig): CredentialSource {
  const { user, source } = kubeConfig;
  if (!user) return noCredentials;
  const delegated = source.kind === "file" ? new DelegatedCredentials(source) : noCredentials;
  if (user.plugin === "exec") return delegated;
  if (user.tokenFile) return new TokenFileCredentials(user.tokenFile);
  if (user.token) {
    const header = { authorization: `Bearer ${user.token}` };
    return { headers: async () => header };
  }
  if (user.username && user.password) {
    const header = {
      authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString("base64")}`,
    };
    return { headers: async () => header };
  }
  return user.plugin === "auth-provider" ? delegated : noCredentials;
}
