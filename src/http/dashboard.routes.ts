import { Elysia, NotFoundError } from "elysia";
import * as apiClientSource from "../dashboard/api-client.ts" with { type: "text" };
import * as batchDeleteSource from "../dashboard/batch-delete.ts" with { type: "text" };
import * as createFormSource from "../dashboard/create-form.ts" with { type: "text" };
import dashboardBundle from "../dashboard/dashboard.html" with { type: "text" };
import * as detailsPanelSource from "../dashboard/details-panel.ts" with { type: "text" };
import * as diagnosticsPanelSource from "../dashboard/diagnostics-panel.ts" with { type: "text" };
import * as formatSource from "../dashboard/format.ts" with { type: "text" };
import * as keyProtocolSource from "../dashboard/key-protocol.ts" with { type: "text" };
import * as liveStreamSource from "../dashboard/live-stream.ts" with { type: "text" };
import * as mainSource from "../dashboard/main.ts" with { type: "text" };
import * as nodesPanelSource from "../dashboard/nodes-panel.ts" with { type: "text" };
import * as selectionBarSource from "../dashboard/selection-bar.ts" with { type: "text" };
import * as stackRowSource from "../dashboard/stack-row.ts" with { type: "text" };
import * as stackStoreSource from "../dashboard/stack-store.ts" with { type: "text" };
import * as stackViewSource from "../dashboard/stack-view.ts" with { type: "text" };
import * as statsPanelSource from "../dashboard/stats-panel.ts" with { type: "text" };
import * as virtualListSource from "../dashboard/virtual-list.ts" with { type: "text" };

// Imported as text (and so embedded by `bun build --compile`); bun-types only knows HTML imports as bundles.
const dashboardHtml = dashboardBundle as unknown as string;

/** A module imported as text: TypeScript types it as the module itself, Bun gives its source as `default`. */
const sourceOf = (module: object) => (module as { default: string }).default;

/** The page's modules by file name, as TypeScript source; each is served as JavaScript at `/dashboard/<name>`. */
const moduleSources: Record<string, object> = {
  "api-client.ts": apiClientSource,
  "batch-delete.ts": batchDeleteSource,
  "create-form.ts": createFormSource,
  "details-panel.ts": detailsPanelSource,
  "diagnostics-panel.ts": diagnosticsPanelSource,
  "format.ts": formatSource,
  "key-protocol.ts": keyProtocolSource,
  "live-stream.ts": liveStreamSource,
  "main.ts": mainSource,
  "nodes-panel.ts": nodesPanelSource,
  "selection-bar.ts": selectionBarSource,
  "stack-row.ts": stackRowSource,
  "stack-store.ts": stackStoreSource,
  "stack-view.ts": stackViewSource,
  "stats-panel.ts": statsPanelSource,
  "virtual-list.ts": virtualListSource,
};

/** Paths that serve the page and its code, which hold no data: they need no key. */
export const dashboardPublicPaths = [
  "/dashboard",
  ...Object.keys(moduleSources).map((name) => `/dashboard/${name}`),
];

const securityHeaders = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self' ws: wss:",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

const transpiler = new Bun.Transpiler({ loader: "ts", target: "browser" });
const transpiled = new Map<string, string>();

/** A module of the page as JavaScript (types stripped; imports keep their `./name.ts` paths), made once. */
function moduleJavaScript(name: string): string | undefined {
  const module = Object.hasOwn(moduleSources, name) ? moduleSources[name] : undefined;
  if (module === undefined) return undefined;
  let code = transpiled.get(name);
  if (code === undefined) {
    code = transpiler.transformSync(sourceOf(module));
    transpiled.set(name, code);
  }
  return code;
}

/** `/dashboard` and its modules: a page that holds no data (it asks for the key, then uses the API). */
export function dashboardRoutes() {
  return new Elysia({ name: "dashboard" })
    .get(
      "/dashboard",
      () =>
        new Response(dashboardHtml, {
          headers: { "content-type": "text/html; charset=utf-8", ...securityHeaders },
        }),
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
    )
    .get(
      "/dashboard/:module",
      ({ params }) => {
        const code = moduleJavaScript(params.module);
        if (code === undefined) throw new NotFoundError();
        return new Response(code, {
          headers: { "content-type": "text/javascript; charset=utf-8", ...securityHeaders },
        });
      },
      { detail: { hide: true } },
    );
}
