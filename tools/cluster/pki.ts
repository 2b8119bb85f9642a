import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface ClientIdentity {
  name: string;
  commonName: string;
  organization?: string;
}

/** Runs the openssl CLI in `cwd`; throws with its stderr when it fails. */
export function openssl(args: string[], cwd: string): void {
  const result = Bun.spawnSync(["openssl", ...args], { cwd, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) {
    throw new Error(`openssl ${args[0]} failed: ${result.stderr.toString().trim()}`);
  }
}

function signed(dir: string, name: string, subject: string, extensions: string): void {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(["genrsa", "-out", `${name}.key`, "2048"], dir);
  openssl(["req", "-new", "-key", `${name}.key`, "-subj", subject, "-out", `${name}.csr`], dir);
  openssl(
    ["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial"].concat([
      "-out",
      `${name}.crt`,
      "-days",
      "3650",
      "-sha256",
      "-extfile",
      `${name}.ext`,
    ]),
    dir,
  );
}

/**
 * Creates (once) a CA, the API server's serving certificate for 127.0.0.1, client certificates for
 * each identity, and the service-account signing key pair. Returns PEM text by file name.
 */
export function ensurePki(dir: string, clients: ClientIdentity[]): (file: string) => string {
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, "ca.crt"))) {
    openssl(["genrsa", "-out", "ca.key", "2048"], dir);
    openssl(
      [
        "req",
        "-x509",
        "-new",
        "-key",
        "ca.key",
        "-subj",
        "/CN=stackd-local-ca",
        "-days",
        "3650",
        "-out",
        "ca.crt",
      ],
      dir,
    );
  }
  if (!existsSync(join(dir, "apiserver.crt"))) {
    signed(
      dir,
      "apiserver",
      "/CN=kube-apiserver",
      "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n" +
        "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\n",
    );
  }
  for (const client of clients) {
    if (existsSync(join(dir, `${client.name}.crt`))) continue;
    const subject = `/CN=${client.commonName}${client.organization ? `/O=${client.organization}` : ""}`;
    signed(
      dir,
      client.name,
      subject,
      "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n",
    );
  }
  if (!existsSync(join(dir, "sa.key"))) {
    openssl(["genrsa", "-out", "sa.key", "2048"], dir);
    openssl(["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"], dir);
  }
  return (file) => readFileSync(join(dir, file), "utf8");
}
