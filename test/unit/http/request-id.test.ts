import { describe, expect, it } from "bun:test";
import { requestIdOf } from "../../../src/http/request-id.ts";
import { createLogger } from "../../../src/log/logger.ts";
import type { StackRecord } from "../../../src/stacks/stack-record.ts";
import { eventually } from "../../helpers/cluster.ts";
import { fakeAppKey, fakeStackApp } from "../../helpers/fake-app.ts";
import { contractPodSpec } from "../../helpers/stackd.ts";

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const withId = (id: string | null) =>
  new Request("http://localhost/stacks", id === null ? {} : { headers: { "x-request-id": id } });

describe("requestIdOf", () => {
  it("keeps a printable id of up to 128 characters", () => {
    for (const id of ["abc", "0b4a2f6e-3c1d-4e8f", "trace=1;span=2", "x".repeat(128)])
      expect(requestIdOf(withId(id))).toBe(id);
  });

  it.each([
    ["absent", null],
    ["empty", ""],
    ["too long", "x".repeat(129)],
    ["with a space", "a b"],
    ["with a tab", "a\tb"],
    ["not ASCII", "café"],
  ])("makes a fresh UUID when the presented id is %s", (_, id) => {
    expect(requestIdOf(withId(id))).toMatch(uuid);
  });
});

/** An app whose logs are captured, and whose create logs a line of its own after an await. */
function loggedApp() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ write: (line) => lines.push(JSON.parse(line)) });
  const app = fakeStackApp({
    logger,
    commands: {
      async create(request) {
        await Bun.sleep(1);
        logger.child({ component: "stacks" }).info("creating", { stackId: "stack-aaaaaaaaaaaaaaaa" });
        return { stack_id: request.stackId ?? "stack-aaaaaaaaaaaaaaaa" } as StackRecord;
      },
      async delete() {},
    },
  });
  const call = (method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
    app.handle(
      new Request(`http://localhost${path}`, {
        method,
        headers: { "x-api-key": fakeAppKey, ...headers },
        ...(body === undefined ? {} : { body }),
      }),
    );
  /** The access log line(s), awaited: the line is written after the response. */
  const accessLines = () =>
    eventually("the access log line", async () => {
      const written = lines.filter((line) => line.msg === "request");
      return written.length > 0 ? written : undefined;
    });
  return { call, lines, accessLines };
}

const createBody = JSON.stringify({ target_port: 80, pod_spec: contractPodSpec });

describe("X-Request-Id", () => {
  it("echoes the client's id and puts it on the access line and on the route's own lines", async () => {
    const { call, lines, accessLines } = loggedApp();
    const answer = await call("POST", "/stacks", { "x-request-id": "client-42" }, createBody);
    expect(answer.status).toBe(201);
    expect(answer.headers.get("x-request-id")).toBe("client-42");
    expect((await accessLines()).map((line) => [line.status, line.requestId])).toEqual([[201, "client-42"]]);
    expect(lines.find((line) => line.msg === "creating")?.requestId).toBe("client-42");
  });

  it("generates an id when none is sent, the same on the answer and the access line", async () => {
    const { call, accessLines } = loggedApp();
    const answer = await call("GET", "/stacks");
    const id = answer.headers.get("x-request-id") ?? "";
    expect(id).toMatch(uuid);
    expect((await accessLines())[0]?.requestId).toBe(id);
  });

  it("replaces a bad id rather than refusing the request or echoing it", async () => {
    const { call, accessLines } = loggedApp();
    const answer = await call("GET", "/stacks", { "x-request-id": "y".repeat(500) });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("x-request-id")).toMatch(uuid);
    expect((await accessLines())[0]?.requestId).toBe(answer.headers.get("x-request-id") ?? "");
  });

  it.each([
    ["401, refused before routing", "GET", "/stacks", { "x-api-key": "wrong" }, undefined, 401],
    ["400, a malformed body", "POST", "/stacks", {}, "{", 400],
    ["404, no such route", "GET", "/nowhere", {}, undefined, 404],
    ["404, no such stack", "GET", "/stacks/stack-ffffffffffffffff", {}, undefined, 404],
  ] as const)("is echoed on an error answer: %s", async (_, method, path, headers, body, status) => {
    const { call, accessLines } = loggedApp();
    const answer = await call(method, path, { ...headers, "x-request-id": "err-1" }, body);
    expect(answer.status).toBe(status);
    expect(answer.headers.get("x-request-id")).toBe("err-1");
    expect((await accessLines()).map((line) => [line.status, line.requestId])).toEqual([[status, "err-1"]]);
  });

  it("keeps concurrent requests' ids apart on their lines", async () => {
    const { call, lines } = loggedApp();
    await Promise.all(
      ["a", "b", "c"].map((id) => call("POST", "/stacks", { "x-request-id": id }, createBody)),
    );
    const byId = (id: string) => lines.filter((line) => line.requestId === id).map((line) => line.msg);
    await eventually("three access lines", async () =>
      lines.filter((line) => line.msg === "request").length === 3 ? true : undefined,
    );
    for (const id of ["a", "b", "c"]) expect(byId(id).sort()).toEqual(["creating", "request"]);
  });
});
