import { Elysia } from "elysia";
import swaggerUiCssPath from "swagger-ui-dist/swagger-ui.css" with { type: "file" };
import swaggerUiBundlePath from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "file" };

/**
 * Swagger UI's script and style, served by stackd itself from the pinned `swagger-ui-dist` package (and
 * embedded by `bun build --compile`), so that `/openapi` works with no network.
 */
const assets = {
  "/openapi/assets/swagger-ui-bundle.js": {
    path: swaggerUiBundlePath,
    type: "text/javascript; charset=utf-8",
  },
  "/openapi/assets/swagger-ui.css": { path: swaggerUiCssPath, type: "text/css; charset=utf-8" },
} as const;

export const openapiUiScript = "/openapi/assets/swagger-ui-bundle.js";
export const openapiUiStyle = "/openapi/assets/swagger-ui.css";

/** The UI's asset paths: they hold no data, so they need no key. */
export const openapiUiPublicPaths = Object.keys(assets);

/** `GET /openapi/assets/*`: the UI's files, with their content types. */
export function openapiUiRoutes() {
  const app = new Elysia({ name: "openapi-ui" });
  for (const [route, asset] of Object.entries(assets)) {
    app.get(
      route,
      () =>
        new Response(Bun.file(asset.path), {
          headers: {
            "content-type": asset.type,
            "cache-control": "public, max-age=86400",
            "x-content-type-options": "nosniff",
          },
        }),
      { detail: { hide: true } },
    );
  }
  return app;
}
