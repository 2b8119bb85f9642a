import type { StackSummary } from "./format.ts";
import { keyProtocols } from "./key-protocol.ts";

/** The stream's messages as the dashboard reads them (`fields=summary`: records without `pod_spec`). */
export type LiveMessage =
  | { type: "snapshot"; seq: number; stacks: StackSummary[] }
  | { type: "snapshot_part"; seq: number; part: number; parts: number; stacks: StackSummary[] }
  | { type: "change"; seq: number; stack_id: string; status: string; stack: StackSummary }
  | { type: "resync"; seq: number; reason: string }
  | { type: "heartbeat"; seq: number; at: string };

export interface LiveStreamHandlers {
  onSnapshot(stacks: StackSummary[]): void;
  /** One part of a snapshot sent in parts: the first replaces every stack, the next add to it, the last ends it. */
  onSnapshotPart(stacks: StackSummary[], first: boolean, last: boolean): void;
  onChange(stackId: string, stack: StackSummary | undefined): void;
  onConnection(state: "live" | "reconnecting"): void;
}

const reconnectDelayMs = 1_500;
/**
 * Records per snapshot message: 10,000 stacks in one message are one task of about 100 ms (decoding and
 * parsing 5 MB); in parts of 500 each part is a few ms, and the first rows show after the first part.
 */
export const snapshotSliceSize = 500;

function deliver(message: LiveMessage, handlers: LiveStreamHandlers): void {
  if (message.type === "snapshot") handlers.onSnapshot(message.stacks);
  else if (message.type === "snapshot_part")
    handlers.onSnapshotPart(message.stacks, message.part === 1, message.part === message.parts);
  else if (message.type === "change")
    handlers.onChange(message.stack_id, message.status === "deleted" ? undefined : message.stack);
}

/**
 * Follows `/ws/stacks?fields=summary` with the snapshot in parts: a snapshot, then each change; after a drop it reconnects with
 * `since` the last seq it saw, so it gets the missed changes (or a resync and a new snapshot).
 */
export function followLiveStream(apiKey: string, handlers: LiveStreamHandlers): void {
  let lastSeq: number | null = null;
  const connect = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const since = lastSeq === null ? "" : `&since=${lastSeq}`;
    // The key travels as a subprotocol header, never in the URL (which proxies log).
    const socket = new WebSocket(
      `${scheme}://${location.host}/ws/stacks?fields=summary&snapshot_slice=${snapshotSliceSize}${since}`,
      keyProtocols(apiKey),
    );
    socket.onopen = () => handlers.onConnection("live");
    socket.onclose = () => {
      handlers.onConnection("reconnecting");
      setTimeout(connect, reconnectDelayMs);
    };
    socket.onmessage = (event) => {
      const message = JSON.parse(String(event.data)) as LiveMessage;
      deliver(message, handlers);
      if (message.type === "resync") lastSeq = null;
      else if (message.type !== "heartbeat") lastSeq = message.seq;
    };
  };
  connect();
}
