import { KubeApiError } from "./errors.ts";
import type { KubeTransport } from "./transport.ts";

/** One Kubernetes Event about a Pod, as the console shows it. */
export interface PodEvent {
  type: string;
  reason: string;
  message: string;
  count: number;
  /** When it was last seen (ISO 8601), or null when the Event says nowhere. */
  last_time: string | null;
}

interface CoreEvent {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string };
  metadata?: { creationTimestamp?: string };
}

/** An Event's last sighting, whichever API wrote it (the events.k8s.io series, or the core fields). */
const lastTimeOf = (event: CoreEvent): string | null =>
  event.series?.lastObservedTime ??
  event.lastTimestamp ??
  event.eventTime ??
  event.metadata?.creationTimestamp ??
  null;

/** The Events whose involvedObject is the Pod `podName`, oldest first (core/v1 events, a fieldSelector). */
export async function listPodEvents(
  transport: KubeTransport,
  namespace: string,
  podName: string,
): Promise<PodEvent[]> {
  const list = await transport.send<{ items?: CoreEvent[] }>(
    "GET",
    `/api/v1/namespaces/${namespace}/events`,
    {
      query: { fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${podName}` },
    },
  );
  return (list.items ?? [])
    .map((event) => ({
      type: event.type ?? "Normal",
      reason: event.reason ?? "",
      message: event.message ?? "",
      count: event.series?.count ?? event.count ?? 1,
      last_time: lastTimeOf(event),
    }))
    .sort((a, b) => (a.last_time ?? "").localeCompare(b.last_time ?? ""));
}

export interface ContainerLogRequest {
  container: string;
  tailLines: number;
  /** The most bytes the API server sends (the kubelet cuts the tail there). */
  limitBytes: number;
}

/** The last lines a container wrote (`pods/log`), as text; a refusal is a KubeApiError. */
export async function readContainerLog(
  transport: KubeTransport,
  namespace: string,
  podName: string,
  { container, tailLines, limitBytes }: ContainerLogRequest,
): Promise<string> {
  const response = await transport.request("GET", `/api/v1/namespaces/${namespace}/pods/${podName}/log`, {
    query: { container, tailLines, limitBytes },
  });
  const text = await response.text();
  if (!response.ok) throw KubeApiError.fromResponse(response.status, text);
  return text;
}
