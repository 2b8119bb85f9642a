import type { Logger } from "../log/logger.ts";
import type { RecordFields, StackReads } from "../stacks/stack-reads.ts";
import { apiRecordOf, summaryRecordOf } from "../stacks/stack-record.ts";
import type { StackUpdate, StackUpdateSource } from "../stacks/stack-update.ts";
import type { EventHistory } from "../store/event-history.ts";
import type { ChangeMessage, ResyncMessage } from "./messages.ts";

export interface FeedSubscription {
  /** Messages to send first, in order: a snapshot, a replay of missed changes, or a resync plus snapshot. */
  initial: string[];
  close(): void;
}

/** The reason of the change message a TTL extension sends (its status and previous status are the same). */
export const ttlExtendedReason = "ttl_extended";

interface Subscriber {
  stackId: string | undefined;
  /** `summary`: every record it is sent lacks `pod_spec` (the stream's `fields=summary`). */
  fields: RecordFields;
  deliver: (message: string, seq: number) => void;
}

/** What a subscriber asks for: one stack or all, a replay after `since` or a snapshot, whole records or summaries. */
export interface FeedOptions {
  stackId?: string;
  since?: number;
  fields?: RecordFields;
  /** Send a snapshot of every stack as `snapshot_part` messages of at most this many records. */
  snapshotSlice?: number;
}

/**
 * Numbers every stack status change (one `seq` per change across the service, continuing after a
 * restart), keeps a bounded history in SQLite, and fans changes out to live-stream subscribers.
 */
/** Each history numbers its changes within its own 2^32 block; 2^20 blocks stay below 2^53. */
const streamSize = 2 ** 32;
const randomStreamBase = () => (1 + Math.floor(Math.random() * (2 ** 20 - 1))) * streamSize;

export class ChangeFeed {
  #reads: StackReads;
  #history: EventHistory;
  #logger: Logger;
  #seq: number;
  #subscribers = new Set<Subscriber>();
  /** The first seq this process could not write to the history (its replays past it are incomplete). */
  #lostSeq: number | undefined;
  /** The first seq of this history's stream (0 for a history from before streams). */
  #streamBase: number;
  #unsubscribe: () => void;

  #onHistoryError: (() => void) | undefined;

  /** `onHistoryError` is told of every failed history write (metrics). */
  constructor(
    actors: StackUpdateSource,
    reads: StackReads,
    history: EventHistory,
    logger: Logger,
    options: { onHistoryError?: () => void; newStreamBase?: () => number } = {},
  ) {
    this.#onHistoryError = options.onHistoryError;
    this.#reads = reads;
    this.#history = history;
    this.#logger = logger;
    const { latest } = history.bounds();
    // A new history starts its numbers at a random multiple of 2^32 (its stream), so that a `since`
    // taken from another replica's stream always falls outside this one and gets a resync.
    this.#seq = latest > 0 ? latest : (options.newStreamBase ?? randomStreamBase)();
    this.#streamBase = Math.floor(this.#seq / streamSize) * streamSize;
    this.#unsubscribe = actors.onUpdate((update) => this.#onUpdate(update));
  }

  latestSeq(): number {
    return this.#seq;
  }

  subscriberCount(): number {
    return this.#subscribers.size;
  }

  /**
   * Registers a subscriber and returns what it must be sent first. Everything happens synchronously,
   * so no change can slip between the snapshot (or replay) and the live messages.
   */
  open(options: FeedOptions, deliver: Subscriber["deliver"]): FeedSubscription {
    const fields = options.fields ?? "full";
    const subscriber: Subscriber = { stackId: options.stackId, fields, deliver };
    const initial = this.#initial({ ...options, fields });
    this.#subscribers.add(subscriber);
    return { initial, close: () => this.#subscribers.delete(subscriber) };
  }

  stop(): void {
    this.#unsubscribe();
    this.#subscribers.clear();
  }

  #initial({ stackId, since, fields, snapshotSlice }: FeedOptions & { fields: RecordFields }): string[] {
    const snapshot = () => this.#snapshot(stackId, fields, snapshotSlice);
    const resync = (reason: ResyncMessage["reason"]) => [this.#resync(reason), ...snapshot()];
    if (since === undefined) return snapshot();
    const { oldest, latest } = this.#history.bounds();
    if (since > this.#seq) return resync("since_in_future");
    if (since < this.#streamBase) return resync("other_stream");
    // A change the history failed to record lies after `since`: a replay would skip it silently.
    if (this.#lostSeq !== undefined && since < this.#lostSeq && this.#lostSeq <= this.#seq)
      return resync("history_gap");
    if (since < latest && oldest > since + 1) return resync("since_too_old");
    return fields === "summary"
      ? this.#history.summariesSince(since, stackId)
      : this.#history.since(since, stackId);
  }

  /** One `snapshot` message, or with `slice` (and every stack) its `snapshot_part` messages. */
  #snapshot(stackId: string | undefined, fields: RecordFields, slice: number | undefined): string[] {
    const head = `{"type":"snapshot","seq":${this.#seq},"stacks":`;
    if (stackId !== undefined) return [`${head}[${this.#reads.getJson(stackId, fields) ?? ""}]}`];
    if (slice === undefined) return [`${head}${this.#reads.listArrayJson(fields)}}`];
    const slices = this.#reads.listArrayJsonSlices(fields, slice);
    return slices.map(
      (stacks, index) =>
        `{"type":"snapshot_part","seq":${this.#seq},"part":${index + 1},"parts":${slices.length},"stacks":${stacks}}`,
    );
  }

  #resync(reason: ResyncMessage["reason"]): string {
    const message: ResyncMessage = { type: "resync", reason, seq: this.#seq };
    return JSON.stringify(message);
  }

  /**
   * One message per created stack, per status change, per TTL extension (`ttl_extended`, the status
   * unchanged) and per removal; restores and other record changes are silent.
   */
  #onUpdate(update: StackUpdate): void {
    if (update.kind === "restored") return;
    if (update.kind === "created") {
      this.#publish(update, "creating" as const, null, "created");
      return;
    }
    if (update.kind === "removed") this.#publish(update, "deleted", update.previousStatus, update.reason);
    else if (update.stack.status !== update.previousStatus)
      this.#publish(update, update.stack.status, update.previousStatus, update.reason);
    else if (update.previousTtlExpiresAt !== undefined)
      this.#publish(update, update.stack.status, update.previousStatus, ttlExtendedReason);
  }

  #publish(
    update: StackUpdate,
    status: ChangeMessage["status"],
    previousStatus: ChangeMessage["previous_status"],
    reason: string | null,
  ): void {
    this.#seq += 1;
    const stackId = update.stack.stack_id;
    const message: ChangeMessage = {
      type: "change",
      seq: this.#seq,
      stack_id: stackId,
      status,
      previous_status: previousStatus,
      reason,
      at: new Date(update.at).toISOString(),
      stack: apiRecordOf(update.stack),
    };
    const text = JSON.stringify(message);
    let summaryText: string | undefined;
    const textFor = (fields: RecordFields) => {
      if (fields === "full") return text;
      summaryText ??= JSON.stringify({ ...message, stack: summaryRecordOf(message.stack) });
      return summaryText;
    };
    try {
      this.#history.append(this.#seq, stackId, update.at, text, update.stack.pod_spec);
    } catch (error) {
      this.#lostSeq ??= this.#seq;
      this.#onHistoryError?.();
      this.#logger.error("cannot record stack change in history", { error, seq: this.#seq });
    }
    for (const subscriber of this.#subscribers) {
      if (subscriber.stackId === undefined || subscriber.stackId === stackId)
        subscriber.deliver(textFor(subscriber.fields), this.#seq);
    }
  }
}
