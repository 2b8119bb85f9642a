import type { ServerWebSocket } from "bun";
import { Elysia, t } from "elysia";
import type { ChangeFeed, FeedSubscription } from "../live/change-feed.ts";
import { type HeartbeatMessage, slowConsumerCloseCode } from "../live/messages.ts";
import type { Logger } from "../log/logger.ts";
import { liveProtocol } from "./live-subprotocols.ts";

export interface LiveRoutesOptions {
  feed: ChangeFeed;
  logger: Logger;
  heartbeatMs: number;
  /** A client whose unsent backlog passes this many bytes is disconnected (it reconnects with `since`). */
  maxBufferedBytes: number;
  /** Told when a slow client is disconnected (metrics). */
  onSlowClientDropped?: () => void;
}

const closeGraceMs = 2_000;

interface Connection {
  subscription: FeedSubscription;
  heartbeat: ReturnType<typeof setInterval>;
  lastSeq: number;
}

/** `/ws/stacks`: a snapshot (or replay) then one message per stack status change, in `seq` order. */
export function liveRoutes({
  feed,
  logger,
  heartbeatMs,
  maxBufferedBytes,
  onSlowClientDropped,
}: LiveRoutesOptions) {
  const connections = new Map<string, Connection>();

  return new Elysia().ws("/ws/stacks", {
    query: t.Object({
      stack_id: t.Optional(t.String()),
      since: t.Optional(t.Numeric({ minimum: 0 })),
      fields: t.Optional(t.Union([t.Literal("full"), t.Literal("summary")])),
      snapshot_slice: t.Optional(t.Numeric({ minimum: 100, maximum: 10_000 })),
      api_key: t.Optional(t.String()),
    }),
    // Documented by hand in app.ts: OpenAPI has no WebSocket method.
    detail: { hide: true },
    // A client that offers subprotocols (the dashboard: the key's and this one) gets this one selected,
    // so that the key is not echoed back.
    upgrade({ request, set }) {
      const offered = request.headers.get("sec-websocket-protocol")?.split(",") ?? [];
      if (offered.some((protocol) => protocol.trim() === liveProtocol))
        set.headers["sec-websocket-protocol"] = liveProtocol;
    },
    sendPings: true,
    idleTimeout: 120,
    open(ws) {
      const { stack_id: stackId, since, fields, snapshot_slice: snapshotSlice } = ws.data.query;
      const state = { closed: false };
      const send = (message: string, seq: number) => {
        if (state.closed) return;
        if ((ws.raw as unknown as ServerWebSocket).getBufferedAmount() > maxBufferedBytes) {
          state.closed = true;
          const connection = connections.get(ws.id);
          // Stop feeding it at once; the close frame waits behind its backlog, the socket's close handler may not run soon.
          connection?.subscription.close();
          if (connection) clearInterval(connection.heartbeat);
          logger.warn("disconnecting slow live-stream client", { lastSeq: connection?.lastSeq });
          onSlowClientDropped?.();
          ws.close(slowConsumerCloseCode, `slow consumer: reconnect with since=${connection?.lastSeq ?? 0}`);
          // The close frame queues behind the backlog; a client that never drains it is cut off for good.
          setTimeout(() => {
            if (connections.has(ws.id)) (ws.raw as unknown as ServerWebSocket).terminate();
          }, closeGraceMs).unref();
          return;
        }
        ws.raw.send(message);
        const connection = connections.get(ws.id);
        if (connection) connection.lastSeq = seq;
      };
      const subscription = feed.open(
        {
          ...(stackId ? { stackId } : {}),
          ...(since === undefined ? {} : { since: Number(since) }),
          ...(fields ? { fields } : {}),
          ...(snapshotSlice === undefined ? {} : { snapshotSlice: Number(snapshotSlice) }),
        },
        send,
      );
      const heartbeat = setInterval(() => {
        const message: HeartbeatMessage = {
          type: "heartbeat",
          seq: feed.latestSeq(),
          at: new Date().toISOString(),
        };
        if (!state.closed) ws.raw.send(JSON.stringify(message));
      }, heartbeatMs);
      connections.set(ws.id, {
        subscription,
        heartbeat,
        lastSeq: since === undefined ? feed.latestSeq() : Number(since),
      });
      for (const message of subscription.initial) ws.raw.send(message);
    },
    close(ws) {
      const connection = connections.get(ws.id);
      if (!connection) return;
      connection.subscription.close();
      clearInterval(connection.heartbeat);
      connections.delete(ws.id);
    },
  });
}
