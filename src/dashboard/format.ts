/** What the dashboard shows of a stack: the live stream's summary record (`fields=summary`), `labels` when the server has them. */
export interface StackSummary {
  stack_id: string;
  status: string;
  status_reason: string | null;
  node_id: string;
  node_public_ip: string | null;
  node_port: number;
  target_port: number;
  created_at: string;
  ttl_expires_at: string;
  updated_at: string;
  requested_cpu_milli: number;
  requested_memory_bytes: number;
  labels?: Record<string, string>;
}

/** `ip:port`, or the port alone when the node has no public IP. */
export function addressOf(stack: StackSummary): string {
  return stack.node_public_ip
    ? `${stack.node_public_ip}:${stack.node_port}`
    : `(no public IP):${stack.node_port}`;
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
