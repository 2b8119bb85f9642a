import { Elysia } from "elysia";
import type { Registry } from "prom-client";

/** `/metrics` in Prometheus' text format (the key check in app.ts decides whether it needs the key). */
export function metricsRoutes(registry: Registry) {
  return new Elysia({ name: "metrics" }).get(
    "/metrics",
    async () => new Response(await registry.metrics(), { headers: { "content-type": registry.contentType } }),
    {
      detail: {
        summary: "Prometheus metrics (text exposition format)",
        tags: ["health"],
        responses: {
          200: { description: "the metrics", content: { "text/plain": { schema: { type: "string" } } } },
        },
      },
    },
  );
}
