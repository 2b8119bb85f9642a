import { describe, expect, it } from "bun:test";
import { parse } from "yaml";
import { defaultPodPolicy, sanitizePodSpec } from "../../../src/podspec/sanitize-pod-spec.ts";
import { hostileCorpus } from "./hostile-corpus.ts";
import { rejectionOf } from "./pod-spec-fixtures.ts";

const allCases = Object.values(hostileCorpus).flat();

describe("the hostile pod spec corpus", () => {
  it("has at least 150 cases, each with a name of its own", () => {
    expect(allCases.length).toBeGreaterThanOrEqual(150);
    expect(new Set(allCases.map((testCase) => testCase.name)).size).toBe(allCases.length);
  });

  for (const [area, cases] of Object.entries(hostileCorpus)) {
    describe(area, () => {
      for (const testCase of cases) {
        it(testCase.name, () => {
          if (testCase.reason !== undefined) {
            const error = rejectionOf(testCase.yaml, 80, testCase.policy);
            expect(error.reason).toBe(testCase.reason);
            expect(error.message).toBe(`invalid pod spec: ${testCase.reason}`);
            return;
          }
          const result = sanitizePodSpec(testCase.yaml, 80, { ...defaultPodPolicy, ...testCase.policy });
          testCase.check?.(result);
          expect(parse(result.yaml)).toEqual(result.pod);
        });
      }
    });
  }
});
