import { type Static, Type } from "@sinclair/typebox";
import { isStackLabelKey } from "../podspec/stack-labels.ts";
import { ConfigError, type Env, integer, list, read } from "./env-readers.ts";

export const OwnerLimitsConfigSchema = Type.Object({
  /** STACK_OWNER_LABEL: the label naming a stack's owner (e.g. `team`); null when stacks are not counted. */
  ownerLabel: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
  /** STACK_MAX_PER_OWNER: the most live stacks one owner may have; set exactly when `ownerLabel` is. */
  maxPerOwner: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  /** STACK_UNIQUE_LABELS: labels whose values no two live stacks may share all of; empty for none. */
  uniqueLabels: Type.Array(Type.String({ minLength: 1 })),
});

export type OwnerLimitsConfig = Static<typeof OwnerLimitsConfigSchema>;

const labelKeyForm =
  "a stack label name (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit, no prefix)";

/** A label name the limits read from `labels`: a name a create request may carry. */
function labelName(variable: string, name: string): string {
  if (!isStackLabelKey(name)) throw new ConfigError(variable, `must be ${labelKeyForm}, got "${name}"`);
  return name;
}

/**
 * STACK_OWNER_LABEL with STACK_MAX_PER_OWNER (each needs the other), and STACK_UNIQUE_LABELS: the
 * per-owner limits of docs/limits.md. All unset: no limits.
 */
export function ownerLimitsConfig(env: Env): OwnerLimitsConfig {
  const ownerText = read(env, "STACK_OWNER_LABEL", "");
  const maxText = read(env, "STACK_MAX_PER_OWNER", "");
  if (ownerText === "" && maxText !== "")
    throw new ConfigError(
      "STACK_MAX_PER_OWNER",
      "needs STACK_OWNER_LABEL (the label whose values are counted)",
    );
  if (ownerText !== "" && maxText === "")
    throw new ConfigError(
      "STACK_OWNER_LABEL",
      "needs STACK_MAX_PER_OWNER (how many live stacks one owner may have)",
    );
  const ownerLabel = ownerText === "" ? null : labelName("STACK_OWNER_LABEL", ownerText);
  const maxPerOwner = maxText === "" ? null : integer(env, "STACK_MAX_PER_OWNER", 1, 1, 1_000_000);
  const uniqueLabels = list(env, "STACK_UNIQUE_LABELS").map((name) => labelName("STACK_UNIQUE_LABELS", name));
  const repeated = uniqueLabels.find((name, index) => uniqueLabels.indexOf(name) !== index);
  if (repeated !== undefined) throw new ConfigError("STACK_UNIQUE_LABELS", `names "${repeated}" twice`);
  return { ownerLabel, maxPerOwner, uniqueLabels };
}
