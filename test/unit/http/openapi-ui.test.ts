import { describe, expect, it } from "bun:test";
import { fakeStackApp } from "../../helpers/fake-app.ts";

const app = fakeStackApp();
const get = (path: string) => app.handle(new Request(`http://localhost${path}`));

describe("GET /openapi", () => {
  it("references only stackd's own paths, never a CDN (regression: a blank page offline)", async () => {
    const response = await get("/openapi");
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).not.toMatch(/https?:\/\//);
    const references = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(references.sort()).toEqual([
      "/openapi/assets/swagger-ui-bundle.js",
      "/openapi/assets/swagger-ui.css",
    ]);
  });

  it("serves the UI's script and style without a key, with their content types", async () => {
    const script = await get("/openapi/assets/swagger-ui-bundle.js");
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await script.text()).toContain("SwaggerUIBundle");
    const style = await get("/openapi/assets/swagger-ui.css");
    expect(style.status).toBe(200);
    expect(style.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect((await style.text()).length).toBeGreaterThan(10_000);
  });

  it("answers 401 for another path under /openapi/assets without a key", async () => {
    expect((await get("/openapi/assets/index.html")).status).toBe(401);
  });
});
