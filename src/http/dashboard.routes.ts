import { Elysia } from "elysia";
import dashboardBundle from "../dashboard/dashboard.html" with { type: "text" };

// Imported as text (and so embedded by `bun build --compile`); bun-types only knows HTML imports as bundles.
const dashboardHtml = dashboardBundle as unknown as string;

const dashboardHeaders = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy":
    "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self' ws: wss:",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/** `/dashboard`: one self-contained page; it holds no data (it asks for the key, then uses the API). */
export function dashboardRoutes() {
  return new Elysia({ name: "dashboard" }).get(
    "/dashboard",
    () => new Response(dashboardHtml, { headers: dashboardHeaders }),
    {
      detail: {
        summary: "The live dashboard (HTML); needs no key",
        tags: ["ui"],
        security: [],
        responses: {
          200: { description: "the page", content: { "text/html": { schema: { type: "string" } } } },
        },
      },
    },
  );
}
