import { describe, expect, it } from "bun:test";
import { createLogger } from "../../../src/log/logger.ts";

describe("createLogger", () => {
  it("writes an error with its stack trace and its cause", () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => lines.push(line) });
    logger.error("internal error", { error: new Error("outer", { cause: new Error("inner") }) });
    const record = JSON.parse(lines[0] ?? "{}");
    expect(record.error.message).toBe("outer");
    expect(record.error.stack).toContain("logger.test.ts");
    expect(record.error.cause.message).toBe("inner");
  });

  it("drops lines below its level", () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "info", write: (line) => lines.push(line) });
    logger.debug("hidden");
    logger.info("shown");
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual(["shown"]);
  });
});
