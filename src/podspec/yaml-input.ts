import {
  type Document,
  isScalar,
  LineCounter,
  type ParseOptions,
  parseAllDocuments,
  type Tags,
  visit,
} from "yaml";
import { childPath, describeType, fail, isObject, type JsonObject, type JsonValue } from "./fields.ts";
import { kubernetesInputTags } from "./yaml-tags.ts";

/** Bounds on what a pod spec may cost to read. */
export interface PodSpecLimits {
  maxYamlBytes: number;
  maxAliasCount: number;
}

export const defaultPodSpecLimits: PodSpecLimits = { maxYamlBytes: 256 * 1024, maxAliasCount: 100 };

const maxDepth = 64;

const parseOptions: ParseOptions & { version: "1.1"; customTags: (tags: Tags) => Tags; merge: boolean } = {
  version: "1.1",
  customTags: kubernetesInputTags,
  merge: true,
  uniqueKeys: false,
  prettyErrors: true,
};

function firstLine(message: string): string {
  return (message.split("\n", 1)[0] ?? message).replace(/:$/, "");
}

function syntaxReason(message: string): string {
  return `YAML syntax error: ${firstLine(message)}`;
}

/** A document with no content at all, like the one after a trailing `---`. */
function isEmptyDocument(document: Document.Parsed): boolean {
  const contents = document.contents;
  return contents === null || (isScalar(contents) && contents.value === null && contents.source === "");
}

function readDocuments(text: string, lineCounter: LineCounter): Document.Parsed[] {
  let documents: Document.Parsed[];
  try {
    documents = Array.from(parseAllDocuments(text, { ...parseOptions, lineCounter }));
  } catch (error) {
    return fail(`YAML could not be parsed: ${(error as Error).message}`);
  }
  for (const document of documents) {
    const [first] = document.errors;
    if (first) fail(syntaxReason(first.message));
    // `%YAML 9.9`, unknown directives and unresolved tags are only warnings to the library; a guess is not a reading.
    const [warning] = document.warnings;
    if (warning) fail(`YAML not accepted: ${firstLine(warning.message)}`);
  }
  return documents.filter((document) => !isEmptyDocument(document));
}

/** Counts aliases and rejects duplicate keys, in one linear pass (the library's own key check is quadratic). */
function countAliasesAndCheckKeys(document: Document.Parsed, lineCounter: LineCounter): number {
  let aliases = 0;
  visit(document, {
    Alias() {
      aliases += 1;
    },
    Map(_key, map) {
      const seen = new Set<string>();
      for (const { key } of map.items) {
        if (!isScalar(key)) continue;
        const text = String(key.value);
        if (seen.has(text)) {
          const { line, col } = lineCounter.linePos(key.range?.[0] ?? 0);
          fail(`YAML syntax error: duplicate key ${JSON.stringify(text)} at line ${line}, column ${col}`);
        }
        seen.add(text);
      }
    },
  });
  return aliases;
}

function toJs(document: Document.Parsed, maxAliasCount: number): unknown {
  try {
    return document.toJS({ maxAliasCount });
  } catch (error) {
    if (error instanceof ReferenceError) fail("YAML aliases expand too much (possible alias bomb)");
    return fail(`YAML could not be read: ${(error as Error).message}`);
  }
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function toJsonObject(value: Record<string, unknown>, path: string, depth: number): JsonObject {
  const result: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === "__proto__") fail(`${childPath(path, key)} is not an allowed key`);
    if (item === null || item === undefined) continue;
    result[key] = toJsonValue(item, childPath(path, key), depth + 1);
  }
  return result;
}

/** A parsed YAML value as plain JSON data; null map entries are dropped, as Kubernetes treats them as absent. */
function toJsonValue(value: unknown, path: string, depth: number): JsonValue {
  const where = path === "" ? "pod spec" : path;
  if (depth > maxDepth) fail(`${where} is nested deeper than ${maxDepth} levels`);
  switch (typeof value) {
    case "undefined":
      return null;
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : fail(`${where} must be a finite number`);
    case "object":
      if (value === null) return null;
      if (Array.isArray(value)) {
        return value.map((item, index) => toJsonValue(item, `${path}[${index}]`, depth + 1));
      }
      if (isPlainObject(value)) return toJsonObject(value, path, depth);
  }
  return fail(`${where} uses a YAML type that has no JSON equivalent`);
}

/** Parses the user's YAML into one plain mapping, rejecting anything oversized, ambiguous or malformed. */
export function readPodYaml(text: string, limits: PodSpecLimits): JsonObject {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > limits.maxYamlBytes) {
    fail(`pod spec is ${bytes} bytes, more than the limit of ${limits.maxYamlBytes}`);
  }
  if (text.trim() === "") fail("pod spec is empty");
  const lineCounter = new LineCounter();
  const documents = readDocuments(text, lineCounter);
  const [document] = documents;
  if (!document) return fail("pod spec is empty");
  if (documents.length > 1) fail(`pod spec must be a single YAML document, found ${documents.length}`);
  const aliases = countAliasesAndCheckKeys(document, lineCounter);
  if (aliases > limits.maxAliasCount) {
    fail(`pod spec uses ${aliases} YAML aliases, more than the limit of ${limits.maxAliasCount}`);
  }
  const value = toJsonValue(toJs(document, limits.maxAliasCount), "", 0);
  return isObject(value) ? value : fail(`pod spec must be a YAML mapping, got ${describeType(value)}`);
}
