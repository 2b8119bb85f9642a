import { describe, expect, it } from "bun:test";
import { withLogFields } from "../../../src/log/log-context.ts";
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

describe("withLogFields", () => {
  it("adds its fields to every line written inside it, across awaits and timers, and none outside", async () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => lines.push(line) });
    await withLogFields({ requestId: "r-1" }, async () => {
      logger.info("before");
      await Bun.sleep(1);
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          logger.child({ component: "x" }).info("in a timer");
          resolve();
        }, 1),
      );
    });
    logger.info("outside");
    expect(lines.map((line) => JSON.parse(line).requestId)).toEqual(["r-1", "r-1", undefined]);
  });

  it("keeps concurrent work's fields apart", async () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => lines.push(line) });
    const work = (id: string, ms: number) =>
      withLogFields({ requestId: id }, async () => {
        await Bun.sleep(ms);
        logger.info(id);
      });
    await Promise.all([work("slow", 5), work("fast", 1)]);
    expect(lines.map((line) => [JSON.parse(line).msg, JSON.parse(line).requestId])).toEqual([
      ["fast", "fast"],
      ["slow", "slow"],
    ]);
  });
});
