import { readFileSync } from "node:fs";
import type { KubeConfig, User } from "@kubernetes/client-node";
import { ExecAuth } from "@kubernetes/client-node/dist/exec_auth.js";

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

/** An exec credential plugin (client.authentication.k8s.io), run through client-node's cached ExecAuth. */
class ExecCredentials implements CredentialSource {
  #user: User;
  #exec = new ExecAuth();

  constructor(user: User) {
    this.#user = user;
  }

  async headers(): Promise<Record<string, string>> {
    const options: { headers: Record<string, string> } = { headers: {} };
    await this.#exec.applyAuthentication(this.#user, options as never);
    const value = options.headers.Authorization;
    return value ? { authorization: value } : {};
  }
}

/** Anything else client-node knows (OIDC, cloud auth providers): delegated to the KubeConfig. */
class DelegatedCredentials implements CredentialSource {
  #kubeConfig: KubeConfig;

  constructor(kubeConfig: KubeConfig) {
    this.#kubeConfig = kubeConfig;
  }

  async headers(): Promise<Record<string, string>> {
    const options: { headers?: Record<string, string> } = {};
    await this.#kubeConfig.applyToHTTPSOptions(options as never);
    const value = options.headers?.Authorization;
    return value ? { authorization: value } : {};
  }
}

const noCredentials: CredentialSource = { headers: async () => ({}) };

/** Chooses how the current user of a kubeconfig authenticates (client certificates are handled by TLS). */
export function credentialsFor(kubeConfig: KubeConfig): CredentialSource {
  const user = kubeConfig.getCurrentUser();
  if (!user) return noCredentials;
  if (user.exec || user.authProvider?.name === "exec" || user.authProvider?.config?.exec) {
    return new ExecCredentials(user);
  }
  const tokenFile = user.authProvider?.config?.tokenFile as string | undefined;
  if (tokenFile) return new TokenFileCredentials(tokenFile);
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
  if (user.authProvider) return new DelegatedCredentials(kubeConfig);
  return noCredentials;
}
