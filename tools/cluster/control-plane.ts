import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createTypedKubeClient } from "../../src/kube/typed-api.ts";
import { type ClusterPorts, type ComponentName, componentOrder, componentSpecs } from "./components.ts";
import { applyFixture } from "./fixture.ts";
import { applyGatewayApiManifests, ensureGatewayApiManifests } from "./gateway-api.ts";
import { applyGatewayFixture, localGateway } from "./gateway-fixture.ts";
import { writeKubeconfig } from "./kubeconfig-file.ts";
import { writeKwokConfig } from "./kwok-config.ts";
import { buildScript, clusterFiles } from "./paths.ts";
import { ensurePki } from "./pki.ts";
import {
  findProcessesMentioning,
  freePort,
  isAlive,
  isOurs,
  startDetached,
  stopProcesses,
} from "./processes.ts";
import { applyPrometheusOperatorCrds, ensurePrometheusOperatorCrds } from "./prometheus-operator.ts";

export interface ClusterState {
  binDir: string;
  ports: ClusterPorts;
  pids: Record<ComponentName, number>;
  server: string;
  startedAt: string;
}

export type Report = (message: string) => void;

const clients = [
  { name: "admin", commonName: "stackd-admin", organization: "system:masters" },
  { name: "controller-manager", commonName: "system:kube-controller-manager" },
  { name: "scheduler", commonName: "system:kube-scheduler" },
  { name: "kwok", commonName: "kwok-controller", organization: "system:masters" },
];

export function readState(dir: string): ClusterState | undefined {
  const path = clusterFiles(dir).state;
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as ClusterState;
  } catch {
    return undefined;
  }
}

/** Health of each component: its process is ours and alive, and its health endpoint answers 200. */
export async function componentHealth(
  dir: string,
  state: ClusterState,
): Promise<Record<ComponentName, boolean>> {
  const specs = componentSpecs(dir, state.binDir, state.ports);
  const read = (file: string) => readFileSync(join(clusterFiles(dir).pki, file), "utf8");
  const tls = { ca: read("ca.crt"), cert: read("admin.crt"), key: read("admin.key") };
  const entries = await Promise.all(
    componentOrder.map(async (name) => {
      if (!isOurs(state.pids[name], dir)) return [name, false] as const;
      return [name, await answers(specs[name].healthUrl, tls)] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<ComponentName, boolean>;
}

async function answers(url: string, tls: { ca: string; cert: string; key: string }): Promise<boolean> {
  try {
    const isApiServer = url.endsWith("/readyz");
    const response = await fetch(url, {
      signal: AbortSignal.timeout(2_000),
      tls: isApiServer ? tls : { rejectUnauthorized: false },
    } as RequestInit);
    return response.status === 200;
  } catch {
    return false;
  }
}

async function withLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  mkdirSync(dir, { recursive: true });
  const lock = clusterFiles(dir).lock;
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      const fd = openSync(lock, "wx");
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch {
      const holder = Number(readFileSync(lock, "utf8") || 0);
      if (!holder || !isAlive(holder)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`cluster folder ${dir} is locked by process ${holder}`);
      await Bun.sleep(500);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { force: true });
  }
}

function buildBinaries(report: Report): string {
  report("ensuring control-plane binaries (built once per version, cached)");
  const result = Bun.spawnSync(["bash", buildScript], { stdout: "pipe", stderr: "inherit" });
  if (result.exitCode !== 0) throw new Error("building the control-plane binaries failed (see output above)");
  const lines = result.stdout.toString().trim().split("\n");
  return lines[lines.length - 1] ?? "";
}

function logTail(file: string, lines = 25): string {
  if (!existsSync(file)) return "(no log)";
  return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

async function startComponent(
  dir: string,
  state: ClusterState,
  name: ComponentName,
  report: Report,
): Promise<void> {
  const spec = componentSpecs(dir, state.binDir, state.ports)[name];
  const logFile = join(clusterFiles(dir).logs, `${name}.log`);
  const started = Date.now();
  state.pids[name] = startDetached(spec.binary, spec.args, logFile);
  const deadline = started + 120_000;
  for (;;) {
    const health = await componentHealth(dir, state);
    if (health[name]) break;
    if (!isAlive(state.pids[name])) {
      throw new Error(`${name} exited during start-up; last lines of ${logFile}:\n${logTail(logFile)}`);
    }
    if (Date.now() > deadline)
      throw new Error(`${name} not healthy after 120 s; see ${logFile}:\n${logTail(logFile)}`);
    await Bun.sleep(150);
  }
  report(`${name} healthy (pid ${state.pids[name]}, ${Date.now() - started} ms)`);
}

/** Stops every process that names this cluster folder, whether recorded in state.json or left over. */
async function stopEverything(dir: string): Promise<number> {
  const state = readState(dir);
  const recorded = state ? Object.values(state.pids).filter((pid) => isOurs(pid, dir)) : [];
  const all = [...new Set([...recorded, ...findProcessesMentioning(dir)])];
  await stopProcesses(all);
  rmSync(clusterFiles(dir).state, { force: true });
  return all.length;
}

const fixtureSummary =
  "namespace stacks (Pod Security baseline, ingress policy), kwok nodes, LimitRange, ResourceQuota, " +
  `Gateway API CRDs, Gateway ${localGateway.namespace}/${localGateway.name}, ` +
  "prometheus-operator's ServiceMonitor and PrometheusRule CRDs";

/**
 * The whole fixture: the stacks namespace and nodes, the Gateway API CRDs and the local Gateway, then the
 * monitoring CRDs (deploy/monitoring/ is dry-run against them).
 */
async function applyAll(dir: string, manifests: string, report: Report): Promise<void> {
  const kube = createTypedKubeClient({ kubeconfigPath: clusterFiles(dir).adminKubeconfig });
  await applyFixture(kube);
  const applied = await applyGatewayApiManifests(kube.transport, manifests);
  if (applied.length > 0) report(`Gateway API: applied ${applied.length} object(s) of ${manifests}`);
  await applyGatewayFixture(kube.transport, clusterFiles(dir).pki);
  const monitoringCrds = ensurePrometheusOperatorCrds(report);
  const monitoring = await applyPrometheusOperatorCrds(kube.transport, monitoringCrds);
  if (monitoring.length > 0) report(`prometheus-operator: applied ${monitoring.join(", ")}`);
}

/**
 * Starts the whole local cluster and its fixture. When it is already up and healthy, only the
 * fixture is applied again (idempotent), so a cluster made by an older fixture gets what is new.
 */
export function up(dir: string, report: Report): Promise<{ alreadyUp: boolean; ms: number }> {
  return withLock(dir, async () => {
    const started = Date.now();
    const existing = readState(dir);
    const manifests = ensureGatewayApiManifests(report);
    if (existing && Object.values(await componentHealth(dir, existing)).every(Boolean)) {
      report(`re-applying fixture: ${fixtureSummary}`);
      await applyAll(dir, manifests, report);
      return { alreadyUp: true, ms: Date.now() - started };
    }
    const leftovers = await stopEverything(dir);
    if (leftovers > 0) report(`cleaned ${leftovers} leftover process(es) of an earlier run`);
    const files = clusterFiles(dir);
    rmSync(files.etcdData, { recursive: true, force: true });
    mkdirSync(files.logs, { recursive: true });

    const binDir = buildBinaries(report);
    const ports: ClusterPorts = {
      etcdClient: freePort(),
      etcdPeer: freePort(),
      apiserver: freePort(),
      controllerManager: freePort(),
      scheduler: freePort(),
      kwok: freePort(),
      nodePortRange: process.env.STACKD_NODEPORT_RANGE ?? "30000-32767",
    };
    const server = `https://127.0.0.1:${ports.apiserver}`;
    const pem = ensurePki(files.pki, clients);
    for (const client of clients) {
      const path = client.name === "admin" ? files.adminKubeconfig : files.kubeconfigFor(client.name);
      writeKubeconfig(
        path,
        server,
        pem("ca.crt"),
        pem(`${client.name}.crt`),
        pem(`${client.name}.key`),
        client.commonName,
      );
    }
    writeKwokConfig(files.kwokConfig, binDir, files.containerLog);

    const state: ClusterState = {
      binDir,
      ports,
      server,
      pids: {} as ClusterState["pids"],
      startedAt: new Date().toISOString(),
    };
    try {
      for (const name of componentOrder) {
        await startComponent(dir, state, name, report);
        writeFileSync(files.state, JSON.stringify(state, null, 2));
      }
      report(`applying fixture: ${fixtureSummary}`);
      await applyAll(dir, manifests, report);
    } catch (error) {
      await stopEverything(dir);
      throw error;
    }
    return { alreadyUp: false, ms: Date.now() - started };
  });
}

/** Stops every process this cluster started, and only those. */
export function down(dir: string): Promise<number> {
  return withLock(dir, async () => {
    const stopped = await stopEverything(dir);
    rmSync(clusterFiles(dir).etcdData, { recursive: true, force: true });
    return stopped;
  });
}

/** Stops and starts one component with the same ports and data (for restart tests). */
export function restart(dir: string, name: ComponentName, report: Report): Promise<void> {
  return withLock(dir, async () => {
    const state = readState(dir);
    if (!state) throw new Error("cluster is not up");
    if (isOurs(state.pids[name], dir)) await stopProcesses([state.pids[name]]);
    await startComponent(dir, state, name, report);
    writeFileSync(clusterFiles(dir).state, JSON.stringify(state, null, 2));
  });
}
