import { readFileSync } from "node:fs";
import type { Subprocess } from "bun";
import { freePort } from "../tools/cluster/processes.ts";
import { benchPodSpec } from "./pod-spec.ts";
import { timed } from "./stats.ts";

const apiKey = "bench-key";
/** The headers of every benchmark request to stackd. */
export const benchHeaders = { "x-api-key": apiKey, "content-type": "application/json" };
const headers = benchHeaders;
const defaultBody = JSON.stringify({ target_port: 80, pod_spec: benchPodSpec });

/** The fields of a 201's record that the benchmarks read. */
export interface CreatedStack {
  stack_id: string;
  namespace: string;
  exposure?: { hostname?: string };
}

export interface BenchStackdOptions {
  label: string;
  /** The checkout whose `src/main.ts` runs (this one, or a baseline worktree). */
  cwd: string;
  namespace: string;
  portRange: [number, number];
  kubeconfigPath: string;
  nodeRole: string;
  dbPath: string;
  /** Environment over the benchmark's (an empty value removes a variable, so stackd's default applies). */
  overrides?: Record<string, string>;
  stderr?: "inherit" | "ignore";
  /** The body of every `POST /stacks` (default: bench/pod-spec.ts's pod on port 80), or one per create. */
  createBody?: string | (() => string);
  /** Headers added to every `POST /stacks` (a request id, say). */
  createHeaders?: () => Record<string, string>;
  log: (message: string) => void;
}

/** A stackd process of one version of the code (this checkout, or a baseline worktree), with its live stream. */
export class BenchStackd {
  readonly base: string;
  readonly process: Subprocess;
  /** When each stack's `running` change arrived on the live stream. */
  readonly runningAt = new Map<string, number>();
  failures = 0;
  #socket: WebSocket | undefined;

  readonly label: string;
  #log: (message: string) => void;
  readonly #body: () => string;
  readonly #createHeaders: () => Record<string, string>;

  constructor(options: BenchStackdOptions) {
    const { portRange, overrides = {} } = options;
    this.label = options.label;
    this.#log = options.log;
    const body = options.createBody ?? defaultBody;
    this.#body = typeof body === "string" ? () => body : body;
    this.#createHeaders = options.createHeaders ?? (() => ({}));
    const port = freePort();
    this.base = `http://127.0.0.1:${port}`;
    const env: Record<string, string | undefined> = {
      ...process.env,
      API_KEY: apiKey,
      HTTP_ADDR: `127.0.0.1:${port}`,
      STACK_NAMESPACE: options.namespace,
      STACK_NODE_ROLE: options.nodeRole,
      STACK_NODEPORT_MIN: String(portRange[0]),
      STACK_NODEPORT_MAX: String(portRange[1]),
      STACK_TTL: "24h",
      STACK_SCHEDULING_TIMEOUT: "60s",
      K8S_KUBECONFIG: options.kubeconfigPath,
      K8S_CLIENT_QPS: "5000",
      K8S_CLIENT_BURST: "10000",
      K8S_REQUEST_TIMEOUT: "120s",
      DB_PATH: options.dbPath,
      LOG_LEVEL: "warn",
      ...overrides,
    };
    for (const [name, value] of Object.entries(overrides)) if (value === "") delete env[name];
    this.process = Bun.spawn(["bun", "src/main.ts"], {
      cwd: options.cwd,
      env,
      stdout: "inherit",
      stderr: options.stderr ?? "inherit",
    });
    // A benchmark that fails half-way must not leave its stackd running against a cluster it restarts.
    process.on("exit", () => this.process.kill());
  }

  async ready(): Promise<void> {
    for (;;) {
      const ok = await fetch(`${this.base}/healthz`, { headers })
        .then((response) => response.ok)
        .catch(() => false);
      if (ok) break;
      await Bun.sleep(100);
    }
    const socket = new WebSocket(`${this.base.replace("http", "ws")}/ws/stacks?api_key=${apiKey}`);
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(String(event.data)) as { type: string; status?: string; stack_id?: string };
      if (message.type === "change" && message.status === "running" && message.stack_id)
        this.runningAt.set(message.stack_id, performance.now());
    });
    await new Promise((resolve) => socket.addEventListener("open", resolve));
    this.#socket = socket;
  }

  rssKb(): number {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${this.process.pid}/status`, "utf8"))?.[1] ?? 0);
  }

  /**
   * `POST /stacks`; answers the new stack's id, when the request started and its record (the 201's body),
   * or undefined on failure.
   */
  async create(): Promise<{ stackId: string; started: number; record: CreatedStack } | undefined> {
    const started = performance.now();
    const response = await fetch(`${this.base}/stacks`, {
      method: "POST",
      headers: { ...headers, ...this.#createHeaders() },
      body: this.#body(),
    });
    if (response.status !== 201) {
      this.failures += 1;
      if (this.failures <= 5)
        this.#log(`${this.label}: create failed: ${response.status} ${await response.text()}`);
      return undefined;
    }
    const record = (await response.json()) as CreatedStack;
    return { stackId: record.stack_id, started, record };
  }

  /** Sequential creates: the POST latency, and the time from its start to `running` on the live stream. */
  async sequential(count: number): Promise<{ post: number[]; toRunning: number[] }> {
    const started: Array<{ stackId: string; started: number }> = [];
    const post = await timed(count, 1, async () => {
      const created = await this.create();
      if (created) started.push(created);
    });
    const deadline = performance.now() + 60_000;
    while (started.some(({ stackId }) => !this.runningAt.has(stackId)) && performance.now() < deadline)
      await Bun.sleep(20);
    const toRunning = started.map(
      ({ stackId, started: at }) => (this.runningAt.get(stackId) ?? Number.NaN) - at,
    );
    return { post, toRunning };
  }

  async burst(count: number): Promise<number[]> {
    return timed(count, count, async () => {
      await this.create();
    });
  }

  async stop(): Promise<void> {
    this.#socket?.close();
    this.process.kill("SIGTERM");
    await this.process.exited;
  }
}
