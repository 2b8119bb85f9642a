import { expect } from "bun:test";
import type { PodPolicy, SanitizedPodSpec } from "../../../src/podspec/sanitize-pod-spec.ts";
import { container, podYaml } from "./pod-spec-fixtures.ts";

/** One hostile (or merely unusual) pod spec and what stackd must answer. */
export interface HostileCase {
  name: string;
  yaml: string;
  policy?: Partial<PodPolicy>;
  /** The exact 400 reason (after "invalid pod spec: "). */
  reason?: string;
  /** For a spec that is accepted, capped or overridden: checks of the exact sanitised result. */
  check?: (result: SanitizedPodSpec) => void;
}

/** A case the sanitiser must refuse with exactly `reason`. */
export function refuses(
  name: string,
  yaml: string,
  reason: string,
  policy?: Partial<PodPolicy>,
): HostileCase {
  return policy === undefined ? { name, yaml, reason } : { name, yaml, reason, policy };
}

/** A case the sanitiser must accept, with `check` asserting what it made of it. */
export function accepts(
  name: string,
  yaml: string,
  check: (result: SanitizedPodSpec) => void,
  policy?: Partial<PodPolicy>,
): HostileCase {
  return policy === undefined ? { name, yaml, check } : { name, yaml, check, policy };
}

/** The pod spec with these fields added to spec. */
export const withSpec = (spec: Record<string, unknown>) => podYaml({ spec });

/** The pod spec whose only container has these changes. */
export const withContainer = (overrides: Record<string, unknown>) =>
  podYaml({ containers: [container(overrides)] });

/** The pod spec with these volumes. */
export const withVolumes = (...volumes: Record<string, unknown>[]) => podYaml({ spec: { volumes } });

/** The pod spec with this metadata. */
export const withMetadata = (metadata: Record<string, unknown>) =>
  podYaml({ top: { metadata: { name: "challenge", ...metadata } } });

/** The sanitised spec's field, for exact checks. */
export function specField(result: SanitizedPodSpec, key: string): unknown {
  return result.pod.spec[key];
}

/** Asserts the sanitised pod's only container has exactly `expected` under `key`. */
export function expectContainerField(result: SanitizedPodSpec, key: string, expected: unknown): void {
  const [first] = result.pod.spec.containers as Record<string, unknown>[];
  expect(first?.[key]).toEqual(expected);
}
