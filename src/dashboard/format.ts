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
}

/** The stack's exposed ports: `ports` when the server sends it, else the v1.1 pair as one TCP port. */
export function portsOf(
  stack: StackSummary,
): Array<{ container_port: number; protocol: string; node_port: number }> {
  if (stack.ports) return stack.ports;
  return [{ container_port: stack.target_port ?? 0, protocol: "TCP", node_port: stack.node_port ?? 0 }];
}

/** The first NodePort (the only one of a v1.1 stack), for sorting by address. */
export const firstNodePort = (stack: StackSummary) => portsOf(stack)[0]?.node_port ?? 0;

/** `ip:port` (several, with their protocols, for a stack with several ports); "(no public IP)" without an IP. */
export function addressOf(stack: StackSummary): string {
  const host = stack.node_public_ip ?? "(no public IP)";
  const ports = portsOf(stack);
  if (ports.length === 1 && !stack.ports?.some((port) => port.protocol === "UDP"))
    return `${host}:${ports[0]?.node_port ?? 0}`;
  return ports.map((port) => `${host}:${port.node_port}/${port.protocol.toLowerCase()}`).join(" ");
}

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
