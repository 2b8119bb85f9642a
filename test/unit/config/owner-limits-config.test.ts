import { describe, expect, it } from "bun:test";
import { ConfigError, loadConfig } from "../../../src/config/config.ts";

const base = { API_KEY: "secret" };

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ ...base, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("STACK_OWNER_LABEL, STACK_MAX_PER_OWNER, STACK_UNIQUE_LABELS", () => {
  it("are off by default", () => {
    expect(loadConfig(base).ownerLimits).toEqual({ ownerLabel: null, maxPerOwner: null, uniqueLabels: [] });
  });

  it("reads the owner label, its limit and the unique labels", () => {
    const config = loadConfig({
      ...base,
      STACK_OWNER_LABEL: "team",
      STACK_MAX_PER_OWNER: "3",
      STACK_UNIQUE_LABELS: " team , challenge ",
    });
    expect(config.ownerLimits).toEqual({
      ownerLabel: "team",
      maxPerOwner: 3,
      uniqueLabels: ["team", "challenge"],
    });
  });

  it("allows unique labels without an owner limit", () => {
    expect(loadConfig({ ...base, STACK_UNIQUE_LABELS: "team" }).ownerLimits.uniqueLabels).toEqual(["team"]);
  });

  it.each([
    [{ STACK_OWNER_LABEL: "team" }, "STACK_OWNER_LABEL", "needs STACK_MAX_PER_OWNER"],
    [{ STACK_MAX_PER_OWNER: "2" }, "STACK_MAX_PER_OWNER", "needs STACK_OWNER_LABEL"],
    [{ STACK_OWNER_LABEL: "team", STACK_MAX_PER_OWNER: "0" }, "STACK_MAX_PER_OWNER", "between 1 and"],
    [{ STACK_OWNER_LABEL: "team", STACK_MAX_PER_OWNER: "two" }, "STACK_MAX_PER_OWNER", "whole number"],
    [
      { STACK_OWNER_LABEL: "stackd.io/team", STACK_MAX_PER_OWNER: "1" },
      "STACK_OWNER_LABEL",
      '"stackd.io/team"',
    ],
    [{ STACK_OWNER_LABEL: "-team", STACK_MAX_PER_OWNER: "1" }, "STACK_OWNER_LABEL", "a stack label name"],
    [{ STACK_UNIQUE_LABELS: "team,chal lenge" }, "STACK_UNIQUE_LABELS", '"chal lenge"'],
    [{ STACK_UNIQUE_LABELS: "team,team" }, "STACK_UNIQUE_LABELS", 'names "team" twice'],
  ])("refuses %p naming %s", (env, variable, detail) => {
    const error = errorOf(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(detail);
  });
});
