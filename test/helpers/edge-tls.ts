import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect } from "node:tls";

/** A test CA and a wildcard certificate `*.<domain>` signed by it, made with the openssl CLI in `dir`. */
export function wildcardCertificate(dir: string, domain = "inst.stackd.test") {
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  openssl(
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=stackd test CA",
  );
  openssl("req", ...ec, "-keyout", "edge.key", "-out", "edge.csr", "-subj", `/CN=*.${domain}`);
  writeFileSync(
    file("edge.ext"),
    `subjectAltName=DNS:*.${domain}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`,
  );
  openssl(
    "x509",
    "-req",
    "-in",
    "edge.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    "edge.ext",
    "-out",
    "edge.crt",
  );
  writeFileSync(
    file("wildcard.pem"),
    readFileSync(file("edge.crt"), "utf8") + readFileSync(file("edge.key"), "utf8"),
  );
  return { caPath: file("ca.pem"), ca: readFileSync(file("ca.pem"), "utf8"), pemPath: file("wildcard.pem") };
}

/** A plain TCP "challenge" on `hostname` (a loopback address) that writes `banner` and a newline to each player. */
export function challengeServer(hostname: string, banner: string, port = 0) {
  return Bun.listen({
    hostname,
    port,
    socket: {
      open(socket) {
        socket.write(`${banner}\n`);
        socket.end();
      },
      data() {},
    },
  });
}

/**
 * Connects as a player with a TLS client (SNI `servername`, verified against `ca`) and answers the first
 * line the challenge sent, or "" when the edge closed the stream without one (an unknown hostname).
 */
export function tlsFirstLine(
  port: number,
  servername: string,
  ca: string,
  timeoutMs = 3000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = "";
    const socket = connect({ host: "127.0.0.1", port, servername, ca });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from the edge for ${servername} within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(received.split("\n")[0] ?? "");
    };
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      received += chunk;
      if (received.includes("\n")) done();
    });
    socket.once("end", done);
    socket.once("close", done);
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/**
 * The same with `openssl s_client -quiet` as players run it: the first line it printed, "" when the stream
 * closed without one. Fails when the certificate does not verify.
 */
export async function opensslFirstLine(port: number, servername: string, caPath: string): Promise<string> {
  const client = Bun.spawn(
    [
      "openssl",
      "s_client",
      "-quiet",
      "-verify_quiet",
      "-verify_return_error",
      "-connect",
      `127.0.0.1:${port}`,
      "-servername",
      servername,
      "-CAfile",
      caPath,
    ],
    { stdin: "pipe", stdout: "pipe", stderr: "pipe" },
  );
  const timer = setTimeout(() => client.kill(), 5000);
  try {
    const reader = client.stdout.getReader();
    let received = "";
    while (!received.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      received += new TextDecoder().decode(value);
    }
    client.kill();
    const status = await client.exited;
    if (!received && status !== 0 && status !== null) {
      const stderr = await new Response(client.stderr).text();
      if (/verify error|unable to get/i.test(stderr)) throw new Error(`openssl s_client: ${stderr.trim()}`);
    }
    return received.split("\n")[0] ?? "";
  } finally {
    clearTimeout(timer);
  }
}
