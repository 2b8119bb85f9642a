import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { HaproxyRuntimeApi } from "../../src/exposure/edge/haproxy-runtime-api.ts";
import { eventually } from "./cluster.ts";

const repo = resolve(import.meta.dir, "../..");
/** The edge's configuration as deployed; the tests run it unchanged, its values from the environment. */
export const edgeConfigPath = join(repo, "deploy", "edge", "haproxy.cfg");

/**
 * The HAProxy binary that `tools/haproxy.sh` extracted from the Debian package into the cache. Throws
 * (so the test fails, never skips) when it is not there, saying what to run.
 */
export function haproxyBinary(): string {
  const printed = Bun.spawnSync([join(repo, "tools", "haproxy.sh"), "--print"], { stderr: "pipe" });
  const path = printed.stdout.toString().trim().split("\n").at(-1) ?? "";
  if (printed.exitCode !== 0 || !existsSync(path)) {
    throw new Error(
      `HAProxy is not in the cache (${printed.stderr.toString().trim()}); run tools/haproxy.sh (.ci/run does)`,
    );
  }
  return path;
}

/** A TCP port nobody listens on at this moment, on `hostname`. */
export function freePort(hostname = "127.0.0.1"): number {
  const listener = Bun.listen({ hostname, port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

/** One HAProxy process running deploy/edge/haproxy.cfg, that a test can kill and start again. */
export interface EdgeHaproxy {
  readonly edgePort: number;
  /** The runtime API as `127.0.0.1:<port>`. */
  readonly tcpAddress: string;
  /** The runtime API as `unix:<dir>/admin.sock`. */
  readonly unixAddress: string;
  /** The map file, as the runtime API names the map. */
  readonly mapPath: string;
  readonly logPath: string;
  pid(): number | undefined;
  /** Starts HAProxy (foreground, `-db`) and waits until its runtime API answers. */
  start(): Promise<void>;
  /** SIGKILLs the process (a crash: nothing saved) and waits for its exit. */
  kill(): Promise<void>;
}

/**
 * An edge HAProxy in `dir` on free loopback ports, serving `certPath`; not started yet. Its map file is
 * `mapPath` (default `<dir>/edge.map`, created empty): several edges can share one path, as the map's name.
 */
export function edgeHaproxy(dir: string, certPath: string, mapPath = join(dir, "edge.map")): EdgeHaproxy {
  const binary = haproxyBinary();
  const edgePort = freePort();
  const apiPort = freePort();
  const logPath = join(dir, "haproxy.log");
  const socketPath = join(dir, "admin.sock");
  writeFileSync(mapPath, "");
  let child: ReturnType<typeof Bun.spawn> | undefined;
  const env = {
    ...process.env,
    EDGE_BIND: `127.0.0.1:${edgePort}`,
    EDGE_CERT: certPath,
    EDGE_MAP: mapPath,
    EDGE_RUNTIME_API_TCP: `ipv4@127.0.0.1:${apiPort}`,
    EDGE_RUNTIME_API_UNIX: socketPath,
    EDGE_LOG_LEVEL: "info",
  };
  const edge: EdgeHaproxy = {
    edgePort,
    tcpAddress: `127.0.0.1:${apiPort}`,
    unixAddress: `unix:${socketPath}`,
    mapPath,
    logPath,
    pid: () => (child && child.exitCode === null && child.signalCode === null ? child.pid : undefined),
    async start() {
      const log = openSync(logPath, "a");
      const started = Bun.spawn([binary, "-db", "-f", edgeConfigPath], { env, stdout: log, stderr: log });
      closeSync(log);
      child = started;
      const api = new HaproxyRuntimeApi({ address: edge.tcpAddress, timeoutMs: 500 });
      await eventually(
        `HAProxy's runtime API on ${edge.tcpAddress} (log: ${logPath})`,
        async () => {
          if (started.exitCode !== null)
            throw new Error(`haproxy exited ${started.exitCode}: ${readFileSync(logPath, "utf8")}`);
          return (await api.showInfo()).pid;
        },
        5000,
      );
    },
    async kill() {
      if (!child) return;
      child.kill("SIGKILL");
      await child.exited;
    },
  };
  return edge;
}
