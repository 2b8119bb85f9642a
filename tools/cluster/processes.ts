import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from "node:fs";

/** Starts a long-running process detached from this one, its output appended to `logFile`. */
export function startDetached(command: string, args: string[], logFile: string): number {
  const log = openSync(logFile, "a");
  try {
    const child = spawn(command, args, { detached: true, stdio: ["ignore", log, log] });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    return child.pid;
  } finally {
    closeSync(log);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

/**
 * True when a command line names the folder `dir` itself or a path inside it, as a whole argument, after
 * `=`, or in a `,` or `:` separated list: `/c/bench` is not named by `/c/bench-record/etcd`, so one cluster never stops another's.
 */
export function mentionsFolder(line: string, dir: string): boolean {
  const folder = dir.replace(/\/+$/, "");
  let from = 0;
  for (;;) {
    const at = line.indexOf(folder, from);
    if (at < 0) return false;
    const before = line[at - 1] ?? " ";
    const after = line[at + folder.length] ?? " ";
    if (" =,:".includes(before) && "/ ,:".includes(after)) return true;
    from = at + 1;
  }
}

/** True when `pid` is alive and its command line names `marker` (the cluster folder), so it is ours. */
export function isOurs(pid: number, marker: string): boolean {
  return isAlive(pid) && mentionsFolder(commandLine(pid), marker);
}

/** Every live process whose command line names `marker`: leftovers of a run that was killed. */
export function findProcessesMentioning(marker: string): number[] {
  if (!existsSync("/proc")) return [];
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => pid !== process.pid && isOurs(pid, marker));
}

/**
 * SIGTERM, then SIGKILL after `graceMs`; resolves when every process is gone. The grace is short on
 * purpose: kube-apiserver drains for up to a minute on SIGTERM, which a throwaway cluster never needs.
 */
export async function stopProcesses(pids: number[], graceMs = 3_000): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // Already gone.
    }
  }
  const deadline = Date.now() + graceMs;
  while (pids.some(isAlive) && Date.now() < deadline) await Bun.sleep(100);
  for (const pid of pids.filter(isAlive)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  while (pids.some(isAlive)) await Bun.sleep(50);
}

/** A free TCP port on 127.0.0.1, chosen by the kernel. */
export function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = server;
  server.stop(true);
  return port;
}
