import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * What every fake container "logged": kwok serves these lines (CRI log format, as a kubelet keeps
 * them) for `kubectl logs` and the API's `pods/log`, so that tests read a stack's logs for real.
 */
export const kwokContainerLogLines = [
  "starting challenge service",
  "listening on 0.0.0.0:80",
  "ready for players",
];

const criLogOf = (lines: string[]) =>
  lines.map((line, index) => `2026-01-01T00:00:0${index}.000000000Z stdout F ${line}\n`).join("");

/**
 * kwok drops its built-in stages as soon as a config file holds any Stage, so the config lists the
 * defaults (copied from the kwok module by tools/build.sh into `<bin>/kwok-stages`) plus the chaos
 * stage that fails pods labelled `pod-container-running-failed.stage.kwok.x-k8s.io=true`. A
 * ClusterLogs points every container's log at `containerLog`, written here with `kwokContainerLogLines`.
 */
export function writeKwokConfig(path: string, binDir: string, containerLog: string): void {
  const stagesDir = join(binDir, "kwok-stages");
  const files = readdirSync(stagesDir)
    .filter((file) => file.endsWith(".yaml"))
    .sort();
  if (files.length === 0) throw new Error(`no kwok stages in ${stagesDir}; run tools/build.sh`);
  const header = [
    "apiVersion: config.kwok.x-k8s.io/v1alpha1",
    "kind: KwokConfiguration",
    "options:",
    "  enableCNI: false",
    "  nodeLeaseParallelism: 4",
    "  podPlayStageParallelism: 8",
    "  nodePlayStageParallelism: 4",
    // The kubelet's containerLogs endpoint (and exec, attach, port-forward, all unused); no pprof.
    "  enableDebuggingHandlers: true",
    "  enableProfilingHandler: false",
  ].join("\n");
  const logs = [
    "apiVersion: kwok.x-k8s.io/v1alpha1",
    "kind: ClusterLogs",
    "metadata:",
    "  name: every-container",
    "spec:",
    "  selector: {}",
    "  logs:",
    `    - logsFile: ${JSON.stringify(containerLog)}`,
  ].join("\n");
  writeFileSync(containerLog, criLogOf(kwokContainerLogLines));
  const stages = files.map((file) => readFileSync(join(stagesDir, file), "utf8").trim());
  writeFileSync(path, `${[header, ...stages, logs].join("\n---\n")}\n`);
}
