import { describe, expect, it } from "bun:test";
import { type PodSpecLimits, sanitizePodSpec } from "../../../src/podspec/sanitize-pod-spec.ts";
import { aliasBomb, podYaml, rejectionOf } from "./pod-spec-fixtures.ts";

interface RejectedDocument {
  name: string;
  yaml: string;
  reason: string | RegExp;
  limits?: PodSpecLimits;
}

const rejected: RejectedDocument[] = [
  { name: "rejects an empty pod spec", yaml: "", reason: "pod spec is empty" },
  { name: "rejects a whitespace-only pod spec", yaml: "  \n\t\n", reason: "pod spec is empty" },
  { name: "rejects a pod spec of only comments", yaml: "# nothing here\n", reason: "pod spec is empty" },
  {
    name: "rejects YAML syntax errors with the parser's message and line",
    yaml: "apiVersion: v1\nkind: Pod\nspec:\n  containers: [\n",
    reason: /^YAML syntax error: .+ at line \d+, column \d+$/,
  },
  {
    name: "rejects duplicate keys as a syntax error",
    yaml: "apiVersion: v1\nkind: Pod\nkind: Pod\n",
    reason: 'YAML syntax error: duplicate key "kind" at line 3, column 1',
  },
  {
    name: "rejects more than one YAML document",
    yaml: `${podYaml()}---\n${podYaml()}`,
    reason: "pod spec must be a single YAML document, found 2",
  },
  {
    name: "rejects a document that is a list",
    yaml: "- a\n- b\n",
    reason: "pod spec must be a YAML mapping, got a list",
  },
  {
    name: "rejects a document that is a scalar",
    yaml: "hello",
    reason: "pod spec must be a YAML mapping, got a string",
  },
  {
    name: "rejects alias bombs",
    yaml: aliasBomb,
    reason: "YAML aliases expand too much (possible alias bomb)",
  },
  {
    name: "rejects more aliases than the limit",
    yaml: "a: &x 1\nb: *x\nc: *x\nd: *x\n",
    limits: { maxYamlBytes: 1024, maxAliasCount: 2 },
    reason: "pod spec uses 3 YAML aliases, more than the limit of 2",
  },
  {
    name: "rejects YAML over the size limit",
    yaml: podYaml(),
    limits: { maxYamlBytes: 64, maxAliasCount: 100 },
    reason: /^pod spec is \d+ bytes, more than the limit of 64$/,
  },
  {
    name: "rejects values with no JSON equivalent such as .inf",
    yaml: podYaml({ spec: { terminationGracePeriodSeconds: Number.POSITIVE_INFINITY } }),
    reason: "spec.terminationGracePeriodSeconds must be a finite number",
  },
  {
    name: "rejects explicitly tagged binary values",
    yaml: `${podYaml()}extra: !!binary aGVsbG8=\n`,
    reason: "extra uses a YAML type that has no JSON equivalent",
  },
  {
    name: "rejects YAML nested deeper than 64 levels",
    yaml: `${podYaml()}extra: ${"[".repeat(70)}${"]".repeat(70)}\n`,
    reason: /^extra(\[0\]){64} is nested deeper than 64 levels$/,
  },
  {
    name: "rejects a %YAML directive of a version other than 1.1 or 1.2",
    yaml: `%YAML 9.9\n---\n${podYaml()}`,
    reason: "YAML not accepted: Unsupported YAML version 9.9 at line 1, column 7",
  },
  {
    name: "rejects %YAML 1.0",
    yaml: `%YAML 1.0\n---\n${podYaml()}`,
    reason: "YAML not accepted: Unsupported YAML version 1.0 at line 1, column 7",
  },
  {
    name: "rejects an unknown directive",
    yaml: `%FOO bar\n---\n${podYaml()}`,
    reason: "YAML not accepted: Unknown directive %FOO at line 1, column 1",
  },
  {
    name: "rejects a tag it cannot resolve instead of reading it as a string",
    yaml: `%TAG !x! tag:example.com,2000:\n---\n${podYaml()}extra: !x!foo yes\n`,
    reason: /^YAML not accepted: Unresolved tag: tag:example.com,2000:foo at line \d+, column \d+$/,
  },
  {
    name: "rejects the __proto__ key",
    yaml: `${podYaml()}__proto__: {}\n`,
    reason: "__proto__ is not an allowed key",
  },
];

describe("reading the pod spec YAML", () => {
  for (const testCase of rejected) {
    it(testCase.name, () => {
      const error = rejectionOf(testCase.yaml, 80, testCase.limits);
      if (typeof testCase.reason === "string") expect(error.reason).toBe(testCase.reason);
      else expect(error.reason).toMatch(testCase.reason);
    });
  }

  it.each(["1.1", "1.2"])("reads a document with a %%YAML %s directive", (version) => {
    expect(sanitizePodSpec(`%YAML ${version}\n---\n${podYaml()}`, 80).pod.kind).toBe("Pod");
  });

  it("reads yes and no as booleans, as Kubernetes' YAML 1.1 does", () => {
    expect(rejectionOf(podYaml().replace("spec:\n", "spec:\n  hostPID: yes\n")).reason).toBe(
      "spec.hostPID is not allowed",
    );
  });
});
