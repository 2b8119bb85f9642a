import { existsSync } from "node:fs";
import { type ComponentName, componentOrder } from "./components.ts";
import { componentHealth, down, readState, restart, up } from "./control-plane.ts";
import { clusterDir, clusterFiles } from "./paths.ts";

const usage = `usage: bun run cluster <command>

  up                   start etcd, kube-apiserver, controller-manager, scheduler and kwok, with the fixture
                       (when already up: apply the fixture again)
  down                 stop every process the cluster started (and only those)
  status               show each component's pid and health; exit 1 unless all are healthy
  kubeconfig           print the absolute path of the admin kubeconfig
  restart <component>  restart one component (${componentOrder.join(", ")})

Environment: STACKD_CLUSTER (name, default "default"), STACKD_CLUSTER_DIR, STACKD_CACHE_DIR.`;

const dir = clusterDir();
const report = (message: string) => console.error(`[cluster] ${message}`);

async function status(): Promise<number> {
  const state = readState(dir);
  if (!state) {
    console.log(`cluster ${dir}: down`);
    return 1;
  }
  const health = await componentHealth(dir, state);
  console.log(`cluster ${dir}: ${state.server} (started ${state.startedAt})`);
  for (const name of componentOrder) {
    console.log(
      `  ${name.padEnd(24)} pid ${String(state.pids[name]).padEnd(8)} ${health[name] ? "healthy" : "NOT HEALTHY"}`,
    );
  }
  return Object.values(health).every(Boolean) ? 0 : 1;
}

async function main(command: string | undefined, argument: string | undefined): Promise<number> {
  switch (command) {
    case "up": {
      const result = await up(dir, report);
      report(
        result.alreadyUp ? "already up; fixture re-applied" : `up in ${(result.ms / 1000).toFixed(1)} s`,
      );
      report(`kubeconfig: ${clusterFiles(dir).adminKubeconfig}`);
      return 0;
    }
    case "down": {
      const stopped = await down(dir);
      report(stopped > 0 ? `stopped ${stopped} process(es)` : "nothing was running");
      return 0;
    }
    case "status":
      return status();
    case "kubeconfig": {
      const path = clusterFiles(dir).adminKubeconfig;
      console.log(path);
      if (!existsSync(path) || !readState(dir))
        report("warning: the cluster is not up (run `bun run cluster up`)");
      return 0;
    }
    case "restart": {
      if (!componentOrder.includes(argument as ComponentName)) {
        console.error(usage);
        return 2;
      }
      await restart(dir, argument as ComponentName, report);
      return 0;
    }
    default:
      console.error(usage);
      return command === undefined || command === "help" || command === "--help" ? 0 : 2;
  }
}

try {
  process.exitCode = await main(process.argv[2], process.argv[3]);
} catch (error) {
  report(`error: ${(error as Error).message}`);
  process.exitCode = 1;
}
