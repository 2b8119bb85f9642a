import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { KubeTransport } from "../../src/kube/transport.ts";
import { openssl } from "./pki.ts";

/** The local cluster's Gateway for STACK_EXPOSURE=gateway: no controller runs it, so nothing serves traffic. */
export const localGateway = {
  className: "stackd-local",
  controllerName: "stackd.io/no-controller",
  namespace: "stackd-gateway",
  name: "edge",
  tlsSection: "tls",
  httpsSection: "https",
  domain: "inst.stackd.test",
  certificateSecret: "wildcard-tls",
} as const;

const wildcard = `*.${localGateway.domain}`;

/** A self-signed certificate for the wildcard hostname, made once in the cluster's PKI folder. */
export function ensureWildcardCertificate(pkiDir: string): { cert: string; key: string } {
  mkdirSync(pkiDir, { recursive: true });
  const name = localGateway.certificateSecret;
  if (!existsSync(join(pkiDir, `${name}.crt`))) {
    openssl(
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        `${name}.key`,
        "-out",
        `${name}.crt`,
      ].concat(["-subj", `/CN=${wildcard}`, "-addext", `subjectAltName=DNS:${wildcard}`, "-days", "3650"]),
      pkiDir,
    );
  }
  const read = (file: string) => readFileSync(join(pkiDir, file), "utf8");
  return { cert: read(`${name}.crt`), key: read(`${name}.key`) };
}

interface Applied {
  path: string;
  object: Record<string, unknown>;
}

const gatewayApi = "/apis/gateway.networking.k8s.io/v1";

/**
 * The GatewayClass, the Gateway's namespace, the certificate Secret and the Gateway: one wildcard TLS
 * listener (Terminate) for TLSRoutes and one HTTPS listener for HTTPRoutes, both admitting routes from
 * every namespace (the default, `Same`, would refuse routes in the stacks namespaces).
 */
export function gatewayFixtureObjects(certificate: { cert: string; key: string }): Applied[] {
  const { className, controllerName, namespace, name, certificateSecret } = localGateway;
  const toBase64 = (text: string) => Buffer.from(text).toString("base64");
  const listener = (sectionName: string, protocol: "TLS" | "HTTPS") => ({
    name: sectionName,
    port: 443,
    protocol,
    hostname: wildcard,
    tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: certificateSecret }] },
    allowedRoutes: { namespaces: { from: "All" } },
  });
  return [
    {
      path: `${gatewayApi}/gatewayclasses/${className}`,
      object: {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "GatewayClass",
        metadata: { name: className },
        spec: { controllerName },
      },
    },
    {
      path: `/api/v1/namespaces/${namespace}`,
      object: { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } },
    },
    {
      path: `/api/v1/namespaces/${namespace}/secrets/${certificateSecret}`,
      object: {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: certificateSecret, namespace },
        type: "kubernetes.io/tls",
        data: { "tls.crt": toBase64(certificate.cert), "tls.key": toBase64(certificate.key) },
      },
    },
    {
      path: `${gatewayApi}/namespaces/${namespace}/gateways/${name}`,
      object: {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "Gateway",
        metadata: { name, namespace },
        spec: {
          gatewayClassName: className,
          listeners: [listener(localGateway.tlsSection, "TLS"), listener(localGateway.httpsSection, "HTTPS")],
        },
      },
    },
  ];
}

/** Applies the Gateway fixture with server-side apply: creates what is missing, changes nothing that matches. */
export async function applyGatewayFixture(transport: KubeTransport, pkiDir: string): Promise<void> {
  for (const { path, object } of gatewayFixtureObjects(ensureWildcardCertificate(pkiDir))) {
    await transport.send("PATCH", path, {
      body: object,
      contentType: "application/apply-patch+yaml",
      query: { fieldManager: "stackd-local-cluster", force: true },
    });
  }
}
