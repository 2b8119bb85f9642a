import { writeFileSync } from "node:fs";
import { stringify } from "yaml";

const base64 = (pem: string) => Buffer.from(pem).toString("base64");

/** Writes a client-certificate kubeconfig with embedded data (no relative paths to break). */
export function writeKubeconfig(
  path: string,
  server: string,
  ca: string,
  cert: string,
  key: string,
  user: string,
): void {
  const document = {
    apiVersion: "v1",
    kind: "Config",
    "current-context": "stackd-local",
    clusters: [{ name: "stackd-local", cluster: { server, "certificate-authority-data": base64(ca) } }],
    users: [
      { name: user, user: { "client-certificate-data": base64(cert), "client-key-data": base64(key) } },
    ],
    contexts: [{ name: "stackd-local", context: { cluster: "stackd-local", user } }],
  };
  writeFileSync(path, stringify(document), { mode: 0o600 });
}
