import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { allowlistMarkdown } from "../src/podspec/allowlist-table.ts";

/** The generated part of the allowlist's documentation sits between these two lines. */
export const generatedBegin =
  "<!-- allowlist:begin (generated from src/podspec by `tools/bun.sh run allowlist-doc`) -->";
export const generatedEnd = "<!-- allowlist:end -->";

/** The document with its generated part replaced by the code's current tables. */
export function withGeneratedAllowlist(document: string): string {
  const begin = document.indexOf(generatedBegin);
  const end = document.indexOf(generatedEnd);
  if (begin < 0 || end < begin)
    throw new Error(`the document has no ${generatedBegin} ... ${generatedEnd} part`);
  return `${document.slice(0, begin + generatedBegin.length)}\n\n${allowlistMarkdown()}\n${document.slice(end)}`;
}

if (import.meta.main) {
  const path = join(import.meta.dir, "..", "docs", "allowlist.md");
  writeFileSync(path, withGeneratedAllowlist(readFileSync(path, "utf8")));
  console.error(`wrote the allowlist tables into ${path}`);
}
