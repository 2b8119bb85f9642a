import { describe, expect, it } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { allowlistKinds } from "../../../src/podspec/allowlist-table.ts";
import { defaultPodPolicy } from "../../../src/podspec/pod-policy.ts";
import { withGeneratedAllowlist } from "../../../tools/allowlist-doc.ts";

const docPath = join(import.meta.dir, "../../../docs/allowlist.md");
const doc = readFileSync(docPath, "utf8");

describe("docs/allowlist.md", () => {
  it("has the allowlist tables the code has (run `tools/bun.sh run allowlist-doc` after changing them)", () => {
    expect(doc).toBe(withGeneratedAllowlist(doc));
  });

  it("lists every allowlisted field of every kind of object with its verdict and reason", () => {
    for (const kind of allowlistKinds) {
      const section = doc.slice(doc.indexOf(`#### \`${kind.path}\``));
      for (const [field, rule] of Object.entries(kind.fields)) {
        if (kind.except?.[field] === rule) continue;
        expect(section).toContain(`| \`${field}\` | ${rule.verdict}`);
      }
    }
  });

  it("describes every field of the operator's PodPolicy", () => {
    for (const field of Object.keys(defaultPodPolicy)) expect(doc).toContain(`| \`${field}\` |`);
  });
});
