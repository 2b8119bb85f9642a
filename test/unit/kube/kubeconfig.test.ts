import { afterAll, describe, expect, it } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { credentialsFor } from "../../../src/kube/credentials.ts";
import { KubeConfigError, kubeconfigFromFile, kubeconfigInCluster } from "../../../src/kube/kubeconfig.ts";

const scratch = mkdtempSync(join(tmpdir(), "stackd-kubeconfig-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let written = 0;
/** Writes a kubeconfig with two contexts (`a`, current, and `b`) and returns its path. */
function kubeconfig(overrides: { user?: Record<string, unknown>; cluster?: Record<string, unknown> } = {}) {
  written += 1;
  const dir = join(scratch, `config-${written}`);
  mkdirSync(dir);
  const path = join(dir, "kubeconfig");
  writeFileSync(
    path,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      "current-context": "a",
      clusters: [
        { name: "one", cluster: { server: "https://one.example:6443", ...overrides.cluster } },
        { name: "two", cluster: { server: "https://two.example:6443/" } },
      ],
      users: [
        { name: "alice", user: { token: "alice-token", ...overrides.user } },
        { name: "bob", user: { "client-certificate": "bob.crt", "client-key": "/keys/bob.key" } },
      ],
      contexts: [
        { name: "a", context: { cluster: "one", user: "alice", namespace: "ctf" } },
        { name: "b", context: { cluster: "two", user: "bob" } },
      ],
    }),
  );
  return { path, dir };
}

function failureOf(load: () => unknown): KubeConfigError {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(KubeConfigError);
    return error as KubeConfigError;
  }
  throw new Error("expected a KubeConfigError");
}

describe("kubeconfig files", () => {
  it("reads the current context's cluster, user and namespace", () => {
    const { path } = kubeconfig({
      cluster: { "certificate-authority-data": "Q0E=", "tls-server-name": "api" },
    });
    const loaded = kubeconfigFromFile(path);
    expect(loaded.cluster).toEqual({
      server: "https://one.example:6443",
      caData: "Q0E=",
      skipTlsVerify: false,
      tlsServerName: "api",
    });
    expect(loaded.user).toEqual({ token: "alice-token" });
    expect(loaded.namespace).toBe("ctf");
    expect(loaded.source).toEqual({ kind: "file", path, context: "a" });
  });

  it("uses the context it is told instead of the current one", () => {
    const loaded = kubeconfigFromFile(kubeconfig().path, "b");
    expect(loaded.cluster.server).toBe("https://two.example:6443/");
    expect(loaded.namespace).toBeUndefined();
  });

  it("resolves relative file paths against the kubeconfig's directory, as kubectl does", () => {
    const { path, dir } = kubeconfig({ cluster: { "certificate-authority": "pki/ca.crt" } });
    expect(kubeconfigFromFile(path).cluster.caFile).toBe(join(dir, "pki/ca.crt"));
    expect(kubeconfigFromFile(path, "b").user).toEqual({
      certFile: join(dir, "bob.crt"),
      keyFile: "/keys/bob.key",
    });
  });

  it("reads token files under client-go's name and client-node's", () => {
    expect(kubeconfigFromFile(kubeconfig({ user: { tokenFile: "t1" } }).path).user?.tokenFile).toEndWith(
      "/t1",
    );
    expect(kubeconfigFromFile(kubeconfig({ user: { "token-file": "/t2" } }).path).user?.tokenFile).toBe(
      "/t2",
    );
  });

  it("marks exec plugins and auth providers as credentials client-node runs", () => {
    const exec = kubeconfigFromFile(kubeconfig({ user: { token: undefined, exec: { command: "x" } } }).path);
    expect(exec.user?.plugin).toBe("exec");
    const provider = kubeconfigFromFile(
      kubeconfig({ user: { token: undefined, "auth-provider": { name: "oidc" } } }).path,
    );
    expect(provider.user?.plugin).toBe("auth-provider");
  });

  it("refuses a context the file does not have, naming it", () => {
    expect(failureOf(() => kubeconfigFromFile(kubeconfig().path, "c")).message).toBe(
      'kubeconfig has no context named "c"',
    );
  });

  it("refuses a file that is not a kubeconfig, naming the file", () => {
    const path = join(scratch, "not-yaml");
    writeFileSync(path, "clusters: [unclosed");
    expect(failureOf(() => kubeconfigFromFile(path)).message).toContain(`cannot load kubeconfig ${path}`);
    writeFileSync(path, "just a string");
    expect(failureOf(() => kubeconfigFromFile(path)).message).toContain("not a YAML mapping");
  });

  it("refuses a missing file, a missing current-context and a context without a server", () => {
    expect(failureOf(() => kubeconfigFromFile(join(scratch, "absent"))).message).toContain("ENOENT");
    const noCurrent = join(scratch, "no-current");
    writeFileSync(noCurrent, stringify({ contexts: [] }));
    expect(failureOf(() => kubeconfigFromFile(noCurrent)).message).toContain("names no current-context");
    const noServer = join(scratch, "no-server");
    writeFileSync(
      noServer,
      stringify({ "current-context": "x", contexts: [{ name: "x", context: { cluster: "gone" } }] }),
    );
    expect(failureOf(() => kubeconfigFromFile(noServer)).message).toContain("names no cluster server");
  });
});

describe("in-cluster configuration", () => {
  const accountDir = join(scratch, "serviceaccount");
  mkdirSync(accountDir);

  it("reaches the API server's Service with the mounted token and CA, in the mounted namespace", () => {
    writeFileSync(join(accountDir, "namespace"), "stackd\n");
    const loaded = kubeconfigInCluster(
      { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" },
      accountDir,
    );
    expect(loaded.cluster).toEqual({
      server: "https://10.96.0.1:443",
      caFile: join(accountDir, "ca.crt"),
      skipTlsVerify: false,
    });
    expect(loaded.user).toEqual({ tokenFile: join(accountDir, "token") });
    expect(loaded.namespace).toBe("stackd");
  });

  it("brackets an IPv6 Service address", () => {
    const loaded = kubeconfigInCluster({
      KUBERNETES_SERVICE_HOST: "fd00::1",
      KUBERNETES_SERVICE_PORT: "443",
    });
    expect(loaded.cluster.server).toBe("https://[fd00::1]:443");
  });

  it("needs the Service's host and port", () => {
    expect(failureOf(() => kubeconfigInCluster({ KUBERNETES_SERVICE_HOST: "10.96.0.1" })).message).toContain(
      "KUBERNETES_SERVICE_PORT",
    );
  });
});

describe("credentials chosen for a kubeconfig user", () => {
  it("sends a bearer token, or basic auth, or nothing (client certificates go in TLS)", async () => {
    const token = credentialsFor(kubeconfigFromFile(kubeconfig().path));
    expect(await token.headers()).toEqual({ authorization: "Bearer alice-token" });
    const basic = credentialsFor(
      kubeconfigFromFile(kubeconfig({ user: { token: undefined, username: "u", password: "p" } }).path),
    );
    expect(await basic.headers()).toEqual({ authorization: `Basic ${btoa("u:p")}` });
    expect(await credentialsFor(kubeconfigFromFile(kubeconfig().path, "b")).headers()).toEqual({});
  });

  it("sends the token its token file holds", async () => {
    const tokenPath = join(scratch, "rotating-token");
    writeFileSync(tokenPath, "first\n");
    const credentials = credentialsFor(
      kubeconfigFromFile(kubeconfig({ user: { tokenFile: tokenPath } }).path),
    );
    expect(await credentials.headers()).toEqual({ authorization: "Bearer first" });
  });
});
