import { Elysia } from "elysia";
import { errorAnswers, stackModel } from "./model.ts";

/** `/healthz` as the contract has it: a static answer behind the API key. */
export function healthRoutes() {
  return new Elysia({ name: "health" }).get("/healthz", () => ({ status: "ok" as const }), {
    response: { 200: stackModel.health, ...errorAnswers(401) },
    detail: { summary: "The process answers", tags: ["health"] },
  });
}
