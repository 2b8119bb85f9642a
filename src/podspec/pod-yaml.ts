import { Document, isScalar, type Pair, type Tags } from "yaml";
import { goStringTag } from "./go-yaml-strings.ts";
import { withDigitFloats } from "./yaml-tags.ts";

/** A key as tokens: each digit run is one token, every other character its own token. */
function tokens(key: string): string[] {
  return key.match(/[0-9]+|[^0-9]/gsu) ?? [];
}

/** Punctuation (by code point) before digit runs (by value, then length) before letters (by code point). */
function tokenRank(token: string): number {
  if (/^[0-9]/.test(token)) return 1;
  return /^\p{L}/u.test(token) ? 2 : 0;
}

function compareTokens(a: string, b: string): number {
  const rank = tokenRank(a) - tokenRank(b);
  if (rank !== 0) return rank;
  if (tokenRank(a) !== 1) return (a.codePointAt(0) ?? 0) - (b.codePointAt(0) ?? 0);
  const x = a.replace(/^0+/, "");
  const y = b.replace(/^0+/, "");
  if (x.length !== y.length) return x.length - y.length;
  if (x !== y) return x < y ? -1 : 1;
  return a.length - b.length;
}

/**
 * Go yaml's key order made total: non-letters before letters, digit runs compared as numbers. Plain
 * field names sort alphabetically.
 */
export function compareYamlKeys(a: string, b: string): number {
  const x = tokens(a);
  const y = tokens(b);
  for (let index = 0; index < x.length && index < y.length; index += 1) {
    const order = compareTokens(x[index] ?? "", y[index] ?? "");
    if (order !== 0) return order;
  }
  return x.length - y.length;
}

function keyText(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

/** YAML as Go's sigs.k8s.io/yaml prints an object: sorted keys, unindented sequences, Go's quoting and folding. */
export function toGoStyleYaml(value: unknown): string {
  const document = new Document(value, {
    version: "1.1",
    customTags: (tags: Tags) => [goStringTag, ...withDigitFloats(tags)],
    aliasDuplicateObjects: false,
    sortMapEntries: (a, b) => compareYamlKeys(keyText(a), keyText(b)),
  });
  return document.toString({ indentSeq: false, singleQuote: true, blockQuote: "literal", lineWidth: 0 });
}
