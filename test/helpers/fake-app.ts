import { type AppOptions, createApp } from "../../src/http/app.ts";
import { KeyRing } from "../../src/keys/key-ring.ts";
import { silentLogger } from "../../src/log/logger.ts";
import type { StackRecord } from "../../src/stacks/stack-record.ts";

export const fakeAppKey = "fake-app-key";

/** The HTTP app over fake stack commands and queries (no cluster, no store); `overrides` replace options. */
export function fakeStackApp(overrides: Partial<AppOptions> = {}) {
  return createApp({
    commands: {
      async create(request) {
        return { stack_id: request.stackId ?? "stack-aaaaaaaaaaaaaaaa" } as StackRecord;
      },
      async delete() {},
    },
    queries: {
      get: () => undefined,
      getJson: () => undefined,
      list: () => new TextEncoder().encode('{"stacks":[]}'),
      stats: () => ({}) as never,
    },
    logger: silentLogger,
    keys: new KeyRing([{ name: "default", key: fakeAppKey }]),
    maxBodyBytes: 1_048_576,
    ...overrides,
  });
}
