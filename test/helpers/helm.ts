import { resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import type { ManifestObject } from "./deploy.ts";

export const chartDir = resolve(import.meta.dir, "../../charts/stackd");
const helmScript = resolve(import.meta.dir, "../../tools/helm.sh");

/** The cached `helm` that tools/helm.sh built (tools/test-setup.ts builds it when missing). */
export function helmBinary(): string {
  const printed = Bun.spawnSync([helmScript, "--print"], { stdout: "pipe", stderr: "pipe" });
  if (printed.exitCode !== 0) throw new Error("helm is not built; run tools/helm.sh first");
  return printed.stdout.toString().trim();
}

export interface HelmResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs helm with no kubeconfig or repositories of the user's: only what the arguments name. */
export async function helm(args: string[]): Promise<HelmResult> {
  const child = Bun.spawn([helmBinary(), ...args], {
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", KUBECONFIG: "/dev/null" },
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { exitCode, stdout, stderr };
}

/** `--set`-style flags for values given as one object (strings kept strings, the rest as JSON). */
function setFlags(values: Record<string, unknown>): string[] {
  return Object.entries(values).flatMap(([path, value]) =>
    typeof value === "string"
      ? ["--set-string", `${path}=${value}`]
      : ["--set-json", `${path}=${JSON.stringify(value)}`],
  );
}

/** `helm template stackd charts/stackd -n stackd` with `values` (dotted paths), as parsed objects. */
export async function helmTemplate(values: Record<string, unknown> = {}): Promise<ManifestObject[]> {
  const result = await helm(["template", "stackd", chartDir, "--namespace", "stackd", ...setFlags(values)]);
  if (result.exitCode !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((document) => document.toJS() as ManifestObject | null)
    .filter((object): object is ManifestObject => object !== null);
}

/** What `helm template` says when it refuses `values` (empty when it renders them). */
export async function helmTemplateError(values: Record<string, unknown>): Promise<string> {
  const result = await helm(["template", "stackd", chartDir, "--namespace", "stackd", ...setFlags(values)]);
  return result.exitCode === 0 ? "" : result.stderr;
}

/** `helm lint --strict` with `values`. */
export const helmLint = (values: Record<string, unknown> = {}) =>
  helm(["lint", "--strict", chartDir, ...setFlags(values)]);
