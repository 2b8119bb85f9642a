import { existsSync } from "node:fs";
import { up } from "./cluster/control-plane.ts";
import { clusterDir } from "./cluster/paths.ts";

/**
 * What `tools/bun.sh run test` needs before `bun test`: the local cluster (built and started when
 * missing), HAProxy for the edge tests (tools/haproxy.sh), helm for the chart's tests (tools/helm.sh) and Debian's Chromium for the dashboard's browser test (installed with apt-get when missing
 * and running as root, as on CI and the project's machines; otherwise it says what to run).
 */
const chromium = "/usr/bin/chromium";
if (!existsSync(chromium)) {
  if (process.getuid?.() === 0) {
    console.error("[test-setup] installing Chromium (Debian package) for the dashboard's browser test");
    for (const command of [
      ["apt-get", "update", "-qq"],
      ["apt-get", "install", "-y", "-qq", "chromium"],
    ]) {
      const run = Bun.spawnSync(command, {
        env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
        stdout: "ignore",
        stderr: "inherit",
      });
      if (run.exitCode !== 0) {
        console.error(`[test-setup] ${command.join(" ")} failed; the browser test will fail`);
        break;
      }
    }
  } else {
    console.error(
      `[test-setup] ${chromium} is missing; the browser test needs it: sudo apt-get install chromium`,
    );
  }
}
// The edge tests run the real HAProxy, from the Debian package, cached like the control plane.
const haproxyScript = new URL("./haproxy.sh", import.meta.url).pathname;
if (Bun.spawnSync([haproxyScript, "--print"], { stdout: "ignore", stderr: "ignore" }).exitCode !== 0) {
  console.error("[test-setup] fetching HAProxy (Debian package) for the edge tests");
  const fetched = Bun.spawnSync([haproxyScript], { stdout: "ignore", stderr: "inherit" });
  if (fetched.exitCode !== 0) console.error("[test-setup] tools/haproxy.sh failed; the edge tests will fail");
}
// The chart's tests run the real helm, built from its Go module (tools/helm/) and cached by version.
const helmScript = new URL("./helm.sh", import.meta.url).pathname;
if (Bun.spawnSync([helmScript, "--print"], { stdout: "ignore", stderr: "ignore" }).exitCode !== 0) {
  console.error("[test-setup] building helm from its Go module for the chart's tests (a few minutes, once)");
  const built = Bun.spawnSync([helmScript], { stdout: "ignore", stderr: "inherit" });
  if (built.exitCode !== 0) console.error("[test-setup] tools/helm.sh failed; the chart's tests will fail");
}
await up(clusterDir(), (message) => console.error(`[cluster] ${message}`));
