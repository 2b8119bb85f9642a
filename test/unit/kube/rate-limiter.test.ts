import { afterEach, describe, expect, it, spyOn } from "bun:test";
import { RateLimiter } from "../../../src/kube/rate-limiter.ts";

const timers = spyOn(globalThis, "setTimeout");
afterEach(() => timers.mockClear());

describe("RateLimiter", () => {
  it("waits for the next token of a very low K8S_CLIENT_QPS with a delay a timer can hold", () => {
    const limiter = new RateLimiter(1e-7, 1);
    void limiter.acquire();
    void limiter.acquire();
    const delays = timers.mock.calls.map(([, delay]) => delay ?? 0);
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThan(0);
    expect(delays[0]).toBeLessThanOrEqual(2 ** 31 - 1);
    clearTimeout(timers.mock.results[0]?.value as ReturnType<typeof setTimeout>);
  });
});
