import { Type } from "@sinclair/typebox";
import { Elysia } from "elysia";
import type { ReadinessCheck } from "../stacks/readiness.ts";
import { errorAnswers, stackModel } from "./model.ts";

const Readiness = Type.Object({
  status: Type.Union([Type.Literal("ready"), Type.Literal("not ready")]),
  checks: Type.Array(Type.Object({ name: Type.String(), ok: Type.Boolean(), detail: Type.String() })),
});

export interface HealthRoutesOptions {
  /** The current readiness checks; absent in route tests without a cluster. */
  readiness?: () => ReadinessCheck[];
}

/**
 * `/healthz` as the contract has it (a static answer behind the API key), and for probes without
 * the key: `/livez` (the process answers) and `/readyz` (API server reachable, watches connected,
 * database writable, NodePorts learned).
 */
export function healthRoutes({ readiness = () => [] }: HealthRoutesOptions = {}) {
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
        return { status: ready ? ("ready" as const) : ("not ready" as const), checks };
      },
      {
        response: { 200: Readiness, 503: Readiness },
        detail: { summary: "Readiness probe; needs no key", tags: ["health"], security: [] },
      },
    );
}
