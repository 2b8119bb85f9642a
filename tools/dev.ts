import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { up } from "./cluster/control-plane.ts";
import { clusterDir, clusterFiles } from "./cluster/paths.ts";

/**
 * `bun run dev`: brings the local cluster up, then runs stackd against it with a fresh API key
 * (or API_KEY from the environment), printing what is needed to curl it.
 */
const dir = clusterDir();
await up(dir, (message) => console.error(`[cluster] ${message}`));

const apiKey = process.env.API_KEY || randomBytes(16).toString("hex");
const httpAddr = process.env.HTTP_ADDR || "127.0.0.1:8081";
const port = httpAddr.split(":").pop();
const env = {
  ...process.env,
  API_KEY: apiKey,
  HTTP_ADDR: httpAddr,
  K8S_KUBECONFIG: process.env.K8S_KUBECONFIG || clusterFiles(dir).adminKubeconfig,
  DB_PATH: process.env.DB_PATH || resolve("data/dev.db"),
};

const clusterSelector = process.env.STACKD_CLUSTER_DIR
  ? `STACKD_CLUSTER_DIR=${process.env.STACKD_CLUSTER_DIR} `
  : process.env.STACKD_CLUSTER
    ? `STACKD_CLUSTER=${process.env.STACKD_CLUSTER} `
    : "";

console.error(`
stackd dev server
  API key:    ${apiKey}
  URL:        http://127.0.0.1:${port}
  kubeconfig: ${env.K8S_KUBECONFIG}

  curl -H "X-API-KEY: ${apiKey}" http://127.0.0.1:${port}/stats
  curl -H "X-API-KEY: ${apiKey}" -H 'content-type: application/json' http://127.0.0.1:${port}/stacks \\
    -d '{"target_port":80,"pod_spec":"apiVersion: v1\\nkind: Pod\\nmetadata:\\n  name: web\\nspec:\\n  containers:\\n  - name: app\\n    image: nginx:stable\\n    ports: [{containerPort: 80}]\\n    resources: {limits: {cpu: 100m, memory: 128Mi}}"}'

The local cluster keeps running after you stop the server; this stops it:
  ${clusterSelector}tools/bun.sh run cluster down
`);

const server = Bun.spawn(["bun", "--watch", "src/main.ts"], { env, stdout: "inherit", stderr: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => server.kill(signal));
process.exitCode = await server.exited;
