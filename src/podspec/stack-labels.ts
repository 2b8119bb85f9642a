import { AppError } from "../errors/app-error.ts";
import { quote } from "./fields.ts";

/** The most labels one stack may carry. */
export const maxStackLabels = 16;

const labelNamePattern = /^[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

const invalidLabels = (reason: string) => new AppError("INVALID_LABELS", `invalid labels: ${reason}`);

/** Whether `key` may name a stack label: a Kubernetes label name without a prefix (stackd adds its own). */
export const isStackLabelKey = (key: string) => labelNamePattern.test(key);

/** Whether `value` may be a label value: empty, or at most 63 letters, digits, '-', '_' or '.'. */
export const isStackLabelValue = (value: string) => value === "" || labelNamePattern.test(value);

/**
 * The `labels` of a create request: at most 16; keys are label names without a prefix, since the
 * Pod carries them as `label.stackd.io/<key>`; values are label values. Throws a 400 naming the label.
 */
export function checkStackLabels(labels: Record<string, string>): Record<string, string> {
  const entries = Object.entries(labels);
  if (entries.length > maxStackLabels)
    throw invalidLabels(`at most ${maxStackLabels} labels, got ${entries.length}`);
  for (const [key, value] of entries) {
    if (!isStackLabelKey(key))
      throw invalidLabels(
        `${quote(key)} is not a label name (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit, no prefix)`,
      );
    if (!isStackLabelValue(value))
      throw invalidLabels(
        `labels.${key} must be a label value (at most 63 letters, digits, '-', '_' or '.'), got ${quote(value)}`,
      );
  }
  return labels;
}
