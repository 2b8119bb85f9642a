import { describe, expect, it } from "bun:test";
import { AppError, stackNotFound } from "../../../src/errors/app-error.ts";
import { errorResponse } from "../../../src/http/errors.ts";
import { silentLogger } from "../../../src/log/logger.ts";

describe("errorResponse", () => {
  it("answers an error without fields as exactly {error}", async () => {
    const answer = errorResponse(stackNotFound(), silentLogger);
    expect(answer.status).toBe(404);
    expect(await answer.text()).toBe('{"error":"stack not found"}');
  });

  it("puts an error's fields after error, with its status", async () => {
    const error = new AppError("STACK_ALREADY_EXISTS", "a live stack already exists for team=7", {
      fields: { stack_id: "stack-0123456789abcdef" },
    });
    const answer = errorResponse(error, silentLogger);
    expect(answer.status).toBe(409);
    expect(await answer.text()).toBe(
      '{"error":"a live stack already exists for team=7","stack_id":"stack-0123456789abcdef"}',
    );
  });

  it("answers the per-owner limit with 429 and no Retry-After", async () => {
    const answer = errorResponse(
      new AppError("STACK_LIMIT_REACHED", "stack limit reached for team=7"),
      silentLogger,
    );
    expect(answer.status).toBe(429);
    expect(answer.headers.get("retry-after")).toBeNull();
    expect(await answer.json()).toEqual({ error: "stack limit reached for team=7" });
  });
});
