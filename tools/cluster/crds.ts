import type { KubeTransport } from "../../src/kube/transport.ts";

/**
 * The folder of `modulePath` at the version `moduleDir`'s go.mod requires, fetched by `go mod download`
 * from the module proxy into GOMODCACHE (a second call reads the cache).
 */
export function downloadGoModule(moduleDir: string, modulePath: string): string {
  const download = Bun.spawnSync(["go", "mod", "download", "-json", modulePath], {
    cwd: moduleDir,
    env: { ...process.env, GOTOOLCHAIN: "local", GOWORK: "off", GOFLAGS: "-mod=mod" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const output = download.stdout.toString();
  if (download.exitCode !== 0)
    throw new Error(`go mod download ${modulePath} failed: ${download.stderr.toString().trim()}\n${output}`);
  const { Dir: dir, Error: error } = JSON.parse(output) as { Dir?: string; Error?: string };
  if (!dir) throw new Error(`go mod download ${modulePath} gave no folder: ${error ?? output}`);
  return dir;
}

export const crdCollection = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

interface CrdStatus {
  metadata: { name: string };
  status?: { conditions?: Array<{ type: string; status: string }> };
}

/** Waits until every named CRD is Established (its API is served), or throws after `timeoutMs`. */
export async function waitEstablished(
  transport: KubeTransport,
  names: string[],
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = await transport.send<{ items: CrdStatus[] }>("GET", crdCollection);
    const established = new Set(
      list.items
        .filter((crd) => crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True"))
        .map((crd) => crd.metadata.name),
    );
    const waiting = names.filter((name) => !established.has(name));
    if (waiting.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(`CRDs not Established after ${timeoutMs} ms: ${waiting.join(", ")}`);
    await Bun.sleep(100);
  }
}
