import { assign, fromPromise, raise, type SnapshotFrom, setup } from "xstate";
import type {
  LeadershipContext,
  LeadershipEvent,
  LeadershipInput,
  LeaseReading,
  LeaseWriteOutcome,
  ObservedLease,
} from "./leadership.types.ts";
import {
  claimIsFresh,
  isForeign,
  mayTake,
  nextReadDelay,
  observationKey,
  observe,
  refusalOf,
  renewDeadlineLeft,
  renewDelay,
} from "./leadership-rules.ts";

const missing = (name: string) => () => Promise.reject(new Error(`actor ${name} was not provided`));

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Who may write for a STACKD_INSTANCE, decided on its Lease. A replica follows (`observing`) until the
 * election rules (leadership-rules.ts) let it write itself into the Lease (`acquiring`), then `holding`:
 * it takes over (`takingOver`, then `leader`) while it renews every retry period, and stands down for
 * good when a renew finds another holder or its renew deadline passes without an accepted renew. A single
 * stackd holds its instance's Lease the same way (`single`), without followers: it is `refused` when
 * another live process holds it, and a renew deadline that passes only closes its write fence until the
 * next accepted renew.
 *
 * The machine does no I/O: `readLease`, `acquireLease`, `renewLease`, `takeOver` and `releaseLease` are
 * supplied by src/leadership/lease-elector.ts, and every time it judges comes from their answers, on the
 * caller's monotonic clock. Its timers are its own delays (tested with a SimulatedClock).
 */
export const leadershipMachine = setup({
  types: {
    context: {} as LeadershipContext,
    events: {} as LeadershipEvent,
    input: {} as LeadershipInput,
    tags: {} as "holding" | "writer" | "leader" | "taking_over" | "single",
  },
  actors: {
    readLease: fromPromise<LeaseReading>(missing("readLease")),
    acquireLease: fromPromise<LeaseWriteOutcome, { lease: ObservedLease | null }>(missing("acquireLease")),
    renewLease: fromPromise<LeaseWriteOutcome>(missing("renewLease")),
    takeOver: fromPromise<void>(missing("takeOver")),
    releaseLease: fromPromise<void>(missing("releaseLease")),
  },
  delays: {
    nextRead: ({ context }) => nextReadDelay(context),
    renewDelay: ({ context }) => renewDelay(context),
    renewDeadline: ({ context }) => renewDeadlineLeft(context),
    renewDeadlineWait: ({ context }) => context.renewDeadlineMs,
  },
  guards: {
    isSingle: ({ context }) => context.mode === "single",
    createdTheLease: ({ context }) => context.createdLease,
    foreign: ({ context, event }) => "output" in event && isForeign(context, event.output as LeaseReading),
    mayTake: ({ context, event }) => "output" in event && mayTake(context, event.output as LeaseReading),
    refused: ({ context, event }) =>
      "output" in event && refusalOf(context, event.output as LeaseReading) !== null,
    written: ({ event }) => "output" in event && (event.output as LeaseWriteOutcome).kind === "written",
    // As client-go: a replica whose renew began past its deadline stops, even though the renew went
    // through (it may have been paused, SIGSTOP, while another took over and let the Lease go again).
    renewedTooLate: ({ context, event }) => {
      if (context.mode === "single" || !("output" in event)) return false;
      const outcome = event.output as LeaseWriteOutcome;
      return outcome.kind === "written" && !claimIsFresh(context, outcome.startedAt);
    },
  },
  actions: {
    observe: assign(({ context, event }) => {
      if (!("output" in event)) return {};
      const reading = event.output as LeaseReading;
      return {
        observation: observe(context.observation, reading),
        firstKey: context.firstKey ?? observationKey(reading.lease),
        lastError: null,
      };
    }),
    refuse: assign(({ context, event }) =>
      "output" in event ? { verdict: refusalOf(context, event.output as LeaseReading) } : {},
    ),
    noteWrite: assign(({ event }) => {
      if (!("output" in event)) return {};
      const outcome = event.output as LeaseWriteOutcome;
      if (outcome.kind !== "written") return {};
      return {
        renewedAt: outcome.startedAt,
        lastWriteMs: outcome.finishedAt - outcome.startedAt,
        lastError: null,
      };
    }),
    noteLost: assign(({ event }) => {
      const holder = "output" in event ? (event.output as LeaseWriteOutcome) : null;
      const who = holder?.kind === "lost" && holder.holder ? holder.holder : "another process";
      return { verdict: `the Lease is held by ${who}` };
    }),
    noteDeadline: assign(({ context }) => ({
      verdict: `no renew accepted within the renew deadline (${context.renewDeadlineMs} ms)${
        context.lastError ? `: ${context.lastError}` : ""
      }`,
    })),
    noteTakeoverFailed: assign(({ event }) => ({
      verdict: `the takeover failed: ${"error" in event ? errorText(event.error) : "unknown"}`,
    })),
    noteError: assign(({ event }) => ({ lastError: "error" in event ? errorText(event.error) : null })),
    closeFence: assign({ renewedAt: Number.NEGATIVE_INFINITY }),
    noteCreated: assign(({ context }) => ({ createdLease: context.observation?.lease === null })),
    announceRenewed: raise({ type: "lease.renewed" }),
  },
}).createMachine({
  id: "leadership",
  context: ({ input }) => ({
    ...input,
    observation: null,
    firstKey: null,
    renewedAt: Number.NEGATIVE_INFINITY,
    lastWriteMs: 0,
    lastError: null,
    verdict: null,
    createdLease: false,
  }),
  initial: "idle",
  states: {
    idle: { on: { start: "observing", stop: "stopped" } },
    observing: {
      initial: "reading",
      on: { stop: "stopped" },
      states: {
        reading: {
          invoke: {
            src: "readLease",
            onDone: [
              { guard: "refused", target: "#leadership.refused", actions: ["observe", "refuse"] },
              { guard: "foreign", target: "waiting", actions: "observe" },
              { guard: "mayTake", target: "#leadership.acquiring", actions: "observe" },
              { target: "waiting", actions: "observe" },
            ],
            onError: { target: "waiting", actions: "noteError" },
          },
        },
        waiting: { after: { nextRead: "reading" } },
      },
    },
    acquiring: {
      on: { stop: "releasing" },
      invoke: {
        src: "acquireLease",
        input: ({ context }) => ({ lease: context.observation?.lease ?? null }),
        onDone: [
          { guard: "written", target: "holding", actions: ["noteWrite", "noteCreated"] },
          { target: "observing" },
        ],
        onError: { target: "observing", actions: "noteError" },
      },
    },
    holding: {
      type: "parallel",
      tags: ["holding"],
      on: { stop: "releasing" },
      states: {
        role: {
          initial: "deciding",
          states: {
            deciding: {
              always: [
                { guard: "isSingle", target: "single" },
                { guard: "createdTheLease", target: "waitingOutOthers" },
                { target: "takingOver" },
              ],
            },
            single: { tags: ["single", "writer"] },
            // A replica that created a missing Lease cannot know that no leader held one between two of its
            // reads (a Lease created and deleted in between): it writes nothing for a renew deadline, by
            // which any such leader has seen its Lease taken at its next renew, or stopped at its deadline.
            waitingOutOthers: { after: { renewDeadlineWait: "takingOver" } },
            takingOver: {
              tags: ["taking_over", "writer"],
              invoke: {
                src: "takeOver",
                onDone: "leader",
                onError: { target: "#leadership.standingDown", actions: "noteTakeoverFailed" },
              },
            },
            leader: { tags: ["leader", "writer"] },
          },
        },
        renewal: {
          initial: "waiting",
          states: {
            waiting: { after: { renewDelay: "renewing" } },
            renewing: {
              invoke: {
                src: "renewLease",
                onDone: [
                  { guard: "renewedTooLate", target: "#leadership.standingDown", actions: "noteDeadline" },
                  { guard: "written", target: "waiting", actions: ["noteWrite", "announceRenewed"] },
                  { target: "#leadership.standingDown", actions: "noteLost" },
                ],
                onError: { target: "waiting", actions: "noteError" },
              },
            },
          },
        },
        deadline: {
          initial: "armed",
          states: {
            armed: {
              on: { "lease.renewed": { target: "armed", reenter: true } },
              after: {
                renewDeadline: [
                  { guard: "isSingle", target: "lapsed", actions: "closeFence" },
                  { target: "#leadership.standingDown", actions: "noteDeadline" },
                ],
              },
            },
            // A single stackd whose renews failed (the API server is down, say) writes nothing until one
            // is accepted again; nobody else may take its Lease meanwhile without seeing it unchanged.
            lapsed: { on: { "lease.renewed": "armed" } },
          },
        },
      },
    },
    standingDown: { type: "final", entry: "closeFence" },
    refused: { type: "final" },
    releasing: {
      entry: "closeFence",
      invoke: { src: "releaseLease", onDone: "stopped", onError: "stopped" },
    },
    stopped: { type: "final", entry: "closeFence" },
  },
});

export type LeadershipSnapshot = SnapshotFrom<typeof leadershipMachine>;

/** True while the process may write to the cluster: it holds the Lease as a writer and its claim is fresh. */
export function mayWrite(snapshot: LeadershipSnapshot, monotonicNow: number): boolean {
  return snapshot.hasTag("writer") && claimIsFresh(snapshot.context, monotonicNow);
}
