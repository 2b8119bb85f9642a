import { afterAll, describe, expect, it } from "bun:test";
import { createLogger } from "../../../src/log/logger.ts";
import { eventually, testKubeClient } from "../../helpers/cluster.ts";
import { podSpecYaml, startTestStackd, stopAndRemove, type TestStackd } from "../../helpers/stackd.ts";

const kube = testKubeClient();
const secretKey = "k3y-never-in-a-log-4f1c9e";
const lines: Array<Record<string, unknown>> = [];
const raw: string[] = [];
let service: TestStackd | undefined;

afterAll(async () => {
  await stopAndRemove(kube, service);
});

const logger = createLogger({
  level: "debug",
  write: (line) => {
    raw.push(line);
    lines.push(JSON.parse(line) as Record<string, unknown>);
  },
});

describe("logs", () => {
  it("write an access line per request, a line per stack transition, and never the API key", async () => {
    service = await startTestStackd(kube, { API_KEY: secretKey, LOG_LEVEL: "debug" }, { logger });
    const headers = { "x-api-key": secretKey };
    const created = await service.call(
      "POST",
      "/stacks",
      { target_port: 80, pod_spec: podSpecYaml() },
      headers,
    );
    expect(created.status).toBe(201);
    const stackId = created.body.stack_id as string;
    await eventually("running", async () => {
      const { body } =
        (await service?.call("GET", `/stacks/${stackId}/status?api_key=${secretKey}`, undefined, {})) ?? {};
      return body?.status === "running" ? true : undefined;
    });
    expect(
      (await service.call("GET", "/stacks", undefined, { "x-api-key": `${secretKey}-wrong` })).status,
    ).toBe(401);
    expect((await service.call("POST", "/stacks", "{", headers)).status).toBe(400);
    expect((await service.call("DELETE", `/stacks/${stackId}`, undefined, headers)).status).toBe(200);

    // Access lines are written once each response is sent, so the last ones may come a moment later.
    await eventually("the DELETE's access line", async () =>
      lines.some((line) => line.msg === "request" && line.method === "DELETE") ? true : undefined,
    );
    const access = lines.filter((line) => line.component === "http" && line.msg === "request");
    expect(access).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ method: "POST", route: "/stacks", status: 201 }),
        expect.objectContaining({ method: "GET", route: "/stacks/:stack_id/status", status: 200, stackId }),
        expect.objectContaining({ method: "GET", status: 401 }),
        expect.objectContaining({ method: "POST", route: "/stacks", status: 400 }),
        expect.objectContaining({ method: "DELETE", route: "/stacks/:stack_id", status: 200, stackId }),
      ]),
    );
    expect(access.every((line) => typeof line.durationMs === "number")).toBe(true);
    const lifecycle = lines
      .filter((line) => line.component === "stacks" && line.stackId === stackId)
      .map((line) => line.msg);
    expect(lifecycle).toEqual(
      expect.arrayContaining(["stack created", "stack running", "stack stopped", "stack removed"]),
    );
    expect(lines.some((line) => line.level === "debug")).toBe(true);
    expect(raw.filter((line) => line.includes(secretKey))).toEqual([]);
  });
});
