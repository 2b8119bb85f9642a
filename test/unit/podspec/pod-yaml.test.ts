import { describe, expect, it } from "bun:test";
import { parse } from "yaml";
import { compareYamlKeys, toGoStyleYaml } from "../../../src/podspec/pod-yaml.ts";

// The expected text is what sigs.k8s.io/yaml (Go) prints for the same value.
const value = {
  labels: {
    tier: "web",
    "app.kubernetes.io/name": "demo",
    app: "demo",
    a10: "x",
    a2: "x",
    a1: "x",
    B: "upper",
    _x: "under",
  },
  values: [
    "yes",
    "true",
    "80",
    "",
    "12:30",
    "0755",
    "1e3",
    "a: b",
    "#x",
    "it's",
    "- x",
    "nginx:stable",
    "tab\there",
    "emoji \u{1F600}",
    "...x",
  ],
  command: [
    "sh",
    "-c",
    "set -e; apt-get update && apt-get install -y curl ca-certificates && curl -fsSL https://example.com/install.sh | sh",
  ],
  script: "#!/bin/sh\nset -e\necho ready\n",
  quoted:
    "it's a long value with a single quote that goes on and on past the eighty column limit of the emitter",
};

const goOutput = [
  "command:",
  "- sh",
  "- -c",
  "- set -e; apt-get update && apt-get install -y curl ca-certificates && curl -fsSL",
  "  https://example.com/install.sh | sh",
  "labels:",
  "  _x: under",
  "  B: upper",
  "  a1: x",
  "  a2: x",
  "  a10: x",
  "  app: demo",
  "  app.kubernetes.io/name: demo",
  "  tier: web",
  "quoted: it's a long value with a single quote that goes on and on past the eighty",
  "  column limit of the emitter",
  "script: |",
  "  #!/bin/sh",
  "  set -e",
  "  echo ready",
  "values:",
  '- "yes"',
  '- "true"',
  '- "80"',
  '- ""',
  '- "12:30"',
  '- "0755"',
  '- "1e3"',
  "- 'a: b'",
  "- '#x'",
  "- it's",
  "- '- x'",
  "- nginx:stable",
  '- "tab\\there"',
  '- "emoji \\U0001F600"',
  "- '...x'",
  "",
].join("\n");

describe("toGoStyleYaml", () => {
  it("prints what Go's sigs.k8s.io/yaml prints: sorted keys, quoting, folding and literal blocks", () => {
    expect(toGoStyleYaml(value)).toBe(goOutput);
  });

  it("writes YAML that reads back to the same value", () => {
    expect(parse(toGoStyleYaml(value))).toEqual(value);
  });

  it("never writes anchors for repeated objects", () => {
    const shared = { type: "RuntimeDefault" };
    expect(toGoStyleYaml({ a: shared, b: shared })).toBe(
      "a:\n  type: RuntimeDefault\nb:\n  type: RuntimeDefault\n",
    );
  });

  it("writes empty collections in flow style", () => {
    expect(toGoStyleYaml({ status: {}, list: [] })).toBe("list: []\nstatus: {}\n");
  });

  it("starts a literal block that begins with a line break with an indentation indicator", () => {
    expect(toGoStyleYaml({ text: "\nfirst\n" })).toBe("text: |2\n\n  first\n");
  });

  it("double-quotes multi-line text with a space before a line break", () => {
    expect(toGoStyleYaml({ text: "a \nb" })).toBe('text: "a \\nb"\n');
  });
});

describe("compareYamlKeys", () => {
  it("sorts field names alphabetically", () => {
    expect(["status", "spec", "metadata", "kind", "apiVersion"].sort(compareYamlKeys)).toEqual([
      "apiVersion",
      "kind",
      "metadata",
      "spec",
      "status",
    ]);
  });

  it("puts punctuation before digits before letters and compares digit runs as numbers", () => {
    expect(["x-10", "x10", "x-2", "x2", "xa", "x_"].sort(compareYamlKeys)).toEqual([
      "x-2",
      "x-10",
      "x_",
      "x2",
      "x10",
      "xa",
    ]);
  });
});
