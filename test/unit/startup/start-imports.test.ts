import { describe, expect, it } from "bun:test";
import { resolve } from "node:path";

const src = resolve(import.meta.dir, "../../../src");

/** The packages a fresh process has loaded after importing `modules`. */
function packagesLoadedBy(modules: string[]): string[] {
  const script = `
    ${modules.map((module) => `await import(${JSON.stringify(module)});`).join("\n")}
    const names = Object.keys(require.cache).map((path) => path.match(/node_modules\\/((@[^/]+\\/)?[^/]+)/)?.[1]);
    console.log(JSON.stringify([...new Set(names.filter(Boolean))]));
  `;
  const run = Bun.spawnSync([process.execPath, "-e", script], { stderr: "pipe" });
  if (run.exitCode !== 0) throw new Error(run.stderr.toString());
  return JSON.parse(run.stdout.toString());
}

describe("what a start imports", () => {
  it("leaves client-node and the inspector client out (a quarter of a second and 60 ms of every start)", () => {
    const loaded = packagesLoadedBy([
      `${src}/stackd.ts`,
      `${src}/config/config.ts`,
      `${src}/kube/kubeconfig.ts`,
    ]);
    expect(loaded).toContain("elysia");
    expect(loaded).not.toContain("@kubernetes/client-node");
    expect(loaded).not.toContain("@statelyai/inspect");
  });
});
