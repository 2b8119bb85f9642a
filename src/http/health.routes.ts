import { Type } from "@sinclair/typebox";
import { Elysia } from "elysia";
import type { LeadershipStatus } from "../leadership/leadership-role.ts";
import type { ReadinessCheck } from "../stacks/readiness.ts";
import { errorAnswers, stackModel } from "./model.ts";

const Readiness = Type.Object({
  status: Type.Union([Type.Literal("ready"), Type.Literal("not ready")]),
  checks: Type.Array(Type.Object({ name: Type.String(), ok: Type.Boolean(), detail: Type.String() })),
  leadership: Type.Optional(
    Type.Object({
      role: Type.Union([
        Type.Literal("single"),
        Type.Literal("leader"),
        Type.Literal("taking_over"),
        Type.Literal("follower"),
      ]),
      leader: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});

export interface HealthRoutesOptions {
  /** The current readiness checks; absent in route tests without a cluster. */
  readiness?: () => ReadinessCheck[];
  /**
   * This replica's part in leader election, reported with readiness but never failing it: a follower
   * and a replica taking over serve reads, and answer writes they cannot take with a retryable 503.
   */
  leadership?: () => LeadershipStatus;
}

/**
 * `/healthz` as the contract has it (a static answer behind the API key), and for probes without
 * the key: `/livez` (the process answers) and `/readyz` (API server reachable, watches connected,
 * database writable, NodePorts learned), which also reports the replica's leadership role.
 */
export function healthRoutes({ readiness = () => [], leadership }: HealthRoutesOptions = {}) {
  return new Elysia({ name: "health" })
    .get("/healthz", () => ({ status: "ok" as const }), {
      response: { 200: stackModel.health, ...errorAnswers(401) },
      detail: { summary: "The process answers (the contract's health check)", tags: ["health"] },
    })
    .get("/livez", () => ({ status: "ok" as const }), {
      response: { 200: stackModel.health },
      detail: { summary: "Liveness probe; needs no key", tags: ["health"], security: [] },
    })
    .get(
      "/readyz",
      ({ set }) => {
        const checks = readiness();
        const ready = checks.every((check) => check.ok);
        if (!ready) set.status = 503;
        return {
          status: ready ? ("ready" as const) : ("not ready" as const),
          checks,
          ...(leadership ? { leadership: leadership() } : {}),
        };
      },
      {
        response: { 200: Readiness, 503: Readiness },
        detail: { summary: "Readiness probe; needs no key", tags: ["health"], security: [] },
      },
    );
}
