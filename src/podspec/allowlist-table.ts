import { affinityKinds } from "./allow-affinity.ts";
import { containerKinds } from "./allow-container.ts";
import { envKinds } from "./allow-env.ts";
import { handlerKinds } from "./allow-handlers.ts";
import { metadataFields } from "./allow-metadata.ts";
import { documentFields, podSpecFields, pullSecretFields } from "./allow-pod-spec.ts";
import { volumeKinds } from "./allow-volume.ts";
import type { AllowlistKind, FieldRule } from "./allowlist.ts";

/** Every kind of object the allowlist walks, in the order docs/allowlist.md lists them. */
export const allowlistKinds: readonly AllowlistKind[] = [
  { path: "the document", fields: documentFields },
  { path: "metadata", fields: metadataFields },
  { path: "spec", fields: podSpecFields },
  { path: "spec.imagePullSecrets[]", fields: pullSecretFields },
  ...affinityKinds,
  ...containerKinds,
  ...envKinds,
  ...handlerKinds,
  ...volumeKinds,
];

function verdictOf(rule: FieldRule): string {
  return rule.allowedWhen === undefined ? rule.verdict : `${rule.verdict} (operator opt-in)`;
}

const cell = (text: string) => text.replaceAll("|", "\\|");

function kindSection(kind: AllowlistKind): string {
  const rows = Object.entries(kind.fields)
    .filter(([key, rule]) => kind.except?.[key] !== rule)
    .map(([key, rule]) => `| \`${key}\` | ${verdictOf(rule)} | ${cell(rule.reason)} |`);
  return [
    `#### \`${kind.path}\``,
    "",
    "| field | verdict | reason |",
    "|---|---|---|",
    ...rows,
    kind.except === undefined
      ? "| any other field | refused | not on this list |"
      : "| any other field | as in `spec.containers[]` | |",
  ].join("\n");
}

/** The allowlist as Markdown tables, one per kind of object, generated from the code's own tables. */
export function allowlistMarkdown(): string {
  return `${allowlistKinds.map(kindSection).join("\n\n")}\n`;
}
