import { writeFileSync } from "node:fs";
import { stringify } from "yaml";
import { connectionFromKubeConfig, loadKubeConfig } from "../../src/kube/connection.ts";
import type { KubeTransport } from "../../src/kube/transport.ts";
import type { TypedKubeClient } from "../../src/kube/typed-api.ts";
import { testKubeconfigPath } from "./cluster.ts";
import type { ManifestObject } from "./deploy.ts";

/**
 * Mints a token for a ServiceAccount with the TokenRequest API and writes a kubeconfig for the local
 * cluster (its server and CA) that authenticates with it.
 */
export async function writeServiceAccountKubeconfig(
  admin: TypedKubeClient,
  account: { namespace: string; name: string },
  path: string,
): Promise<void> {
  const request = await admin.transport.send<{ status: { token: string } }>(
    "POST",
    `/api/v1/namespaces/${account.namespace}/serviceaccounts/${account.name}/token`,
    {
      body: {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { expirationSeconds: 3600 },
      },
    },
  );
  const { token } = request.status;
  const { server, tls } = connectionFromKubeConfig(loadKubeConfig({ kubeconfigPath: testKubeconfigPath() }));
  const cluster = { server, "certificate-authority-data": Buffer.from(tls.ca ?? "").toString("base64") };
  const document = {
    apiVersion: "v1",
    kind: "Config",
    "current-context": "stackd",
    clusters: [{ name: "local", cluster }],
    users: [{ name: "stackd", user: { token } }],
    contexts: [{ name: "stackd", context: { cluster: "local", user: "stackd" } }],
  };
  writeFileSync(path, stringify(document), { mode: 0o600 });
}

/** One API request as the API server answered it. */
export interface KubeCall {
  verb: string;
  resource: string;
  /** The namespace of the request, or undefined for a cluster-wide one. */
  namespace: string | undefined;
  status: number;
}

/** The RBAC verb and resource of a request (`/api/v1/` or `/apis/<group>/<version>/`, then `[namespaces/<ns>/]<resource>[/<name>]`). */
function kubeCallOf(method: string, url: URL, status: number): KubeCall {
  const parts = url.pathname.replace(/^\/(api\/v1|apis\/[^/]+\/[^/]+)\//, "").split("/");
  const namespaced = parts[0] === "namespaces" && parts.length >= 3;
  const [kind, name, subresource] = namespaced ? parts.slice(2) : parts;
  const resource = subresource ? `${kind}/${subresource}` : kind;
  const read = url.searchParams.get("watch") === "true" ? "watch" : name ? "get" : "list";
  const verb =
    { GET: read, POST: "create", PUT: "update", PATCH: "patch", DELETE: "delete" }[method] ?? method;
  return { verb, resource: resource ?? "", namespace: namespaced ? parts[1] : undefined, status };
}

/** Records every answer the API server gives on `transport` (all of stackd's requests go through fetchUrl). */
export function recordCalls(transport: KubeTransport): KubeCall[] {
  const calls: KubeCall[] = [];
  const fetchUrl = transport.fetchUrl.bind(transport);
  transport.fetchUrl = async (url, init) => {
    const response = await fetchUrl(url, init);
    calls.push(kubeCallOf(init.method ?? "GET", new URL(url), response.status));
    return response;
  };
  return calls;
}

/** What deploy/'s Roles (`verb resource in namespace`) and ClusterRoles (`verb resource`) grant. */
export function grantsOf(rbac: ManifestObject[]): string[] {
  return rbac
    .filter((object) => object.kind === "Role" || object.kind === "ClusterRole")
    .flatMap((role) => {
      const scope = role.kind === "Role" ? ` in ${role.metadata.namespace}` : "";
      return role.rules.flatMap((rule: { resources: string[]; verbs: string[] }) =>
        rule.resources.flatMap((resource) => rule.verbs.map((verb) => `${verb} ${resource}${scope}`)),
      );
    });
}

/** The grant that allowed a call: a Role's in the call's namespace if one grants it, else a ClusterRole's. */
export function grantUsedBy(call: KubeCall, granted: Set<string>): string {
  const namespaced = `${call.verb} ${call.resource} in ${call.namespace}`;
  return granted.has(namespaced) ? namespaced : `${call.verb} ${call.resource}`;
}
