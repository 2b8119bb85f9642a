/** What the dashboard shows of a stack: the live stream's summary record (`fields=summary`), `labels` when the server has them. */
export interface StackSummary {
  stack_id: string;
  status: string;
  status_reason: string | null;
  node_id: string;
  node_public_ip: string | null;
  /** v1.1 stacks (created with an integer `target_port`) only. */
  node_port?: number;
  target_port?: number;
  /** Every exposed port with its NodePort (servers before v1.2 leave it out). */
  ports?: Array<{ container_port: number; protocol: string; node_port: number }>;
  created_at: string;
  ttl_expires_at: string;
  updated_at: string;
  requested_cpu_milli: number;
  requested_memory_bytes: number;
  labels?: Record<string, string>;
  /** Each exposed port as a player reaches it (servers before exposure modes leave it out). */
  endpoints?: Array<{
    protocol: string;
    kind: string;
    host: string | null;
    port: number;
    connect: string | null;
  }>;
}

/** The stack's exposed ports: `ports` when the server sends it, else the v1.1 pair as one TCP port. */
export function portsOf(
  stack: StackSummary,
): Array<{ container_port: number; protocol: string; node_port: number }> {
  if (stack.ports) return stack.ports;
  return [{ container_port: stack.target_port ?? 0, protocol: "TCP", node_port: stack.node_port ?? 0 }];
}

/**
 * Where each port is reached: its endpoint's host and port when the server sends endpoints (a hostname
 * for a stack behind the TLS edge), else the node's public IP and the port's NodePort.
 */
function reachedAt(stack: StackSummary): Array<{ host: string | null; port: number; protocol: string }> {
  if (stack.endpoints && stack.endpoints.length > 0) return stack.endpoints;
  return portsOf(stack).map((port) => ({
    host: stack.node_public_ip,
    port: port.node_port,
    protocol: port.protocol,
  }));
}

/** The first port's `host:port` as `reachedAt` finds it, for sorting by address. */
export function firstAddressOf(stack: StackSummary): { host: string; port: number } {
  const [first] = reachedAt(stack);
  return { host: first?.host ?? "", port: first?.port ?? 0 };
}

/** `host:port` (several, with their protocols, for a stack with several ports); "(no public IP)" without a host. */
export function addressOf(stack: StackSummary): string {
  const reached = reachedAt(stack);
  const hostOf = (host: string | null) => host ?? "(no public IP)";
  if (reached.length === 1 && reached[0]?.protocol !== "UDP")
    return `${hostOf(reached[0]?.host ?? null)}:${reached[0]?.port ?? 0}`;
  return reached.map((port) => `${hostOf(port.host)}:${port.port}/${port.protocol.toLowerCase()}`).join(" ");
}

/** The lines a player pastes to reach the stack (one per port with a host), e.g. `nc 203.0.113.7 31001`. */
export const connectLinesOf = (stack: StackSummary): string[] =>
  (stack.endpoints ?? []).flatMap((endpoint) => (endpoint.connect ? [endpoint.connect] : []));

const twoDigits = (value: number) => String(value).padStart(2, "0");

/** Time left before the TTL runs out, as `h:mm:ss` (0:00:00 once past). */
export function remainingOf(stack: StackSummary, now: number): string {
  const seconds = Math.max(0, Math.round((Date.parse(stack.ttl_expires_at) - now) / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h}:${twoDigits(m)}:${twoDigits(s)}`;
}

/** The labels as `key=value` pairs separated by spaces, sorted by key. */
export function labelsText(stack: StackSummary): string {
  const labels = stack.labels;
  if (!labels) return "";
  return Object.keys(labels)
    .sort()
    .map((key) => `${key}=${labels[key]}`)
    .join(" ");
}

/** `hh:mm:ss` of a time in the browser's zone (not `toLocaleTimeString`, whose first call costs tens of ms). */
export function clockOf(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return `${twoDigits(date.getHours())}:${twoDigits(date.getMinutes())}:${twoDigits(date.getSeconds())}`;
}

/** The nodes' name for a stack not bound to any yet. */
export const unscheduled = "(unscheduled)";

/** The node a stack is shown under. */
export const nodeOf = (stack: StackSummary) => stack.node_id || unscheduled;
