import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * kwok drops its built-in stages as soon as a config file holds any Stage, so the config lists the
 * defaults (copied from the kwok module by tools/build.sh into `<bin>/kwok-stages`) plus the chaos
 * stage that fails pods labelled `pod-container-running-failed.stage.kwok.x-k8s.io=true`.
 */
export function writeKwokConfig(path: string, binDir: string): void {
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
  ].join("\n");
  const stages = files.map((file) => readFileSync(join(stagesDir, file), "utf8").trim());
  writeFileSync(path, `${[header, ...stages].join("\n---\n")}\n`);
}
