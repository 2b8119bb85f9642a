import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { connectionFromKubeConfig, loadKubeConfig } from "../../../src/kube/connection.ts";
import { KubeApiError } from "../../../src/kube/errors.ts";
import { KubeTransport } from "../../../src/kube/transport.ts";
import { createCoreV1Api, createTypedKubeClient } from "../../../src/kube/typed-api.ts";
import {
  createTestNamespace,
  deleteTestNamespace,
  testKubeClient,
  testKubeconfigPath,
} from "../../helpers/cluster.ts";

const admin = testKubeClient();
const adminConfig = loadKubeConfig({ kubeconfigPath: testKubeconfigPath() });
const server = adminConfig.cluster.server;
const caData = adminConfig.cluster.caData ?? "";
const scratch = mkdtempSync(join(tmpdir(), "stackd-transport-"));
let namespace = "";
let token = "";

function writeConfig(name: string, cluster: Record<string, unknown>, user: Record<string, unknown>): string {
  const path = join(scratch, name);
  writeFileSync(
    path,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      "current-context": "test",
      clusters: [{ name: "test", cluster: { server, ...cluster } }],
      users: [{ name: "test", user }],
      contexts: [{ name: "test", context: { cluster: "test", user: "test", namespace } }],
    }),
  );
  return path;
}

async function listPodsWith(kubeconfigPath: string): Promise<number> {
  const client = createTypedKubeClient({ kubeconfigPath });
  const list = await client.core.listNamespacedPod({ namespace });
  return list.items.length;
}

beforeAll(async () => {
  namespace = await createTestNamespace(admin, "transport");
  await admin.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: "reader" } } });
  await admin.core.createNamespacedPod({
    namespace,
    body: { metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "busybox" }] } },
  });
  await admin.transport.send(
    "POST",
    `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`,
    {
      body: {
        metadata: { name: "reader-view" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
        subjects: [{ kind: "ServiceAccount", name: "reader", namespace }],
      },
    },
  );
  const request = await admin.core.createNamespacedServiceAccountToken({
    name: "reader",
    namespace,
    body: { spec: { expirationSeconds: 3600, audiences: [] } },
  });
  token = request.status?.token ?? "";
});

afterAll(async () => {
  await deleteTestNamespace(admin, namespace);
  rmSync(scratch, { recursive: true, force: true });
});

describe("Kubernetes transport on Bun", () => {
  it("authenticates with the kubeconfig's client certificate over TLS", async () => {
    expect(await listPodsWith(testKubeconfigPath())).toBe(1);
  });

  it("fails with a clear TLS error when the kubeconfig's CA is not the server's", async () => {
    const otherCa = join(scratch, "other-ca");
    mkdirSync(otherCa);
    Bun.spawnSync(
      ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=wrong-ca"].concat([
        "-keyout",
        join(otherCa, "ca.key"),
        "-out",
        join(otherCa, "ca.crt"),
        "-days",
        "1",
      ]),
    );
    const { user } = adminConfig;
    const path = writeConfig(
      "wrong-ca",
      { "certificate-authority-data": Buffer.from(readFileSync(join(otherCa, "ca.crt"))).toString("base64") },
      { "client-certificate-data": user?.certData, "client-key-data": user?.keyData },
    );
    const failure = await listPodsWith(path).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(KubeApiError);
    expect((failure as KubeApiError).reason).toBe("TLSError");
    expect((failure as KubeApiError).message).toContain("certificate-authority");
  });

  it("accepts a bearer token", async () => {
    const path = writeConfig("token", { "certificate-authority-data": caData }, { token });
    expect(await listPodsWith(path)).toBe(1);
  });

  it("reads a token from a token file", async () => {
    const tokenPath = join(scratch, "token");
    writeFileSync(tokenPath, token);
    const path = writeConfig(
      "token-file",
      { "certificate-authority-data": caData },
      { "token-file": tokenPath },
    );
    expect(await listPodsWith(path)).toBe(1);
  });

  it("skips server verification when insecure-skip-tls-verify is set", async () => {
    const path = writeConfig("insecure", { "insecure-skip-tls-verify": true }, { token });
    expect(await listPodsWith(path)).toBe(1);
  });

  it("runs an exec credential plugin and uses the token it returns", async () => {
    const plugin = join(scratch, "credential-plugin.sh");
    const credential = JSON.stringify({
      apiVersion: "client.authentication.k8s.io/v1",
      kind: "ExecCredential",
      status: { token },
    });
    writeFileSync(plugin, `#!/bin/sh\ncat <<'JSON'\n${credential}\nJSON\n`);
    chmodSync(plugin, 0o755);
    const path = writeConfig(
      "exec",
      { "certificate-authority-data": caData },
      { exec: { apiVersion: "client.authentication.k8s.io/v1", command: plugin, interactiveMode: "Never" } },
    );
    expect(await listPodsWith(path)).toBe(1);
  });

  it("uses in-cluster service-account config (token, CA and namespace files)", async () => {
    const root = join(scratch, "in-cluster");
    const accountDir = join(root, "var/run/secrets/kubernetes.io/serviceaccount");
    mkdirSync(accountDir, { recursive: true });
    writeFileSync(join(accountDir, "token"), token);
    writeFileSync(join(accountDir, "ca.crt"), Buffer.from(caData, "base64"));
    writeFileSync(join(accountDir, "namespace"), namespace);
    const url = new URL(server);
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = url.hostname;
    process.env.KUBERNETES_SERVICE_PORT = url.port;
    try {
      const connection = connectionFromKubeConfig(
        loadKubeConfig({ inCluster: true, serviceAccountDir: accountDir }),
      );
      expect(connection.namespace).toBe(namespace);
      const core = createCoreV1Api(new KubeTransport(connection));
      const list = await core.listNamespacedPod({ namespace });
      expect(list.items).toHaveLength(1);
    } finally {
      process.env.KUBERNETES_SERVICE_HOST = saved.host ?? "";
      process.env.KUBERNETES_SERVICE_PORT = saved.port ?? "";
      if (saved.host === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
      if (saved.port === undefined) delete process.env.KUBERNETES_SERVICE_PORT;
    }
  });

  it("reports 401 from the API server for a token it does not accept", async () => {
    const path = writeConfig("bad-token", { "certificate-authority-data": caData }, { token: "not-a-token" });
    const failure = (await listPodsWith(path).catch((error: unknown) => error)) as KubeApiError;
    expect(failure).toBeInstanceOf(KubeApiError);
    expect(failure.status).toBe(401);
  });

  it("reports 403 with the API server's message for an action RBAC forbids", async () => {
    const path = writeConfig("forbidden", { "certificate-authority-data": caData }, { token });
    const client = createTypedKubeClient({ kubeconfigPath: path });
    const failure = (await client.core
      .createNamespacedPod({ namespace, body: { metadata: { name: "x" }, spec: { containers: [] } } })
      .catch((error: unknown) => error)) as KubeApiError;
    expect(failure.status).toBe(403);
    expect(failure.reason).toBe("Forbidden");
    expect(failure.message).toContain("cannot create resource");
  });
});
