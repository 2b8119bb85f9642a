import { expect } from "bun:test";
import { accepts, type HostileCase, refuses, withContainer } from "./hostile-cases.ts";
import { podYaml } from "./pod-spec-fixtures.ts";

const restricted = { podSecurity: "restricted" as const };
const baselineContainer = {
  allowPrivilegeEscalation: false,
  privileged: false,
  seccompProfile: { type: "RuntimeDefault" },
};
const restrictedContainer = {
  ...baselineContainer,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
  readOnlyRootFilesystem: true,
};

const securityContextOf = (result: { pod: { spec: Record<string, unknown> } }, index = 0) =>
  (result.pod.spec.containers as Record<string, unknown>[])[index]?.securityContext;

/** What stackd forces in each Pod Security mode, and the one choice an author has. */
export const securityCases: HostileCase[] = [
  accepts("forces the baseline contexts by default", podYaml(), (result) => {
    expect(result.pod.spec.securityContext).toEqual({ seccompProfile: { type: "RuntimeDefault" } });
    expect(securityContextOf(result)).toEqual(baselineContainer);
  }),
  accepts(
    "forces the restricted contexts in restricted mode, init containers included",
    podYaml({
      spec: {
        initContainers: [
          { name: "init", image: "busybox", resources: { limits: { cpu: "1", memory: "1Gi" } } },
        ],
      },
    }),
    (result) => {
      expect(result.pod.spec.securityContext).toEqual({
        runAsNonRoot: true,
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(securityContextOf(result)).toEqual(restrictedContainer);
      expect((result.pod.spec.initContainers as Record<string, unknown>[])[0]?.securityContext).toEqual(
        restrictedContainer,
      );
    },
    restricted,
  ),
  accepts(
    "lets an author opt out of the read-only root filesystem in restricted mode",
    withContainer({ securityContext: { readOnlyRootFilesystem: false } }),
    (result) =>
      expect(securityContextOf(result)).toEqual({ ...restrictedContainer, readOnlyRootFilesystem: false }),
    restricted,
  ),
  accepts(
    "honours a read-only root filesystem asked for in baseline mode",
    withContainer({ securityContext: { readOnlyRootFilesystem: true } }),
    (result) =>
      expect(securityContextOf(result)).toEqual({ ...baselineContainer, readOnlyRootFilesystem: true }),
  ),
  accepts(
    "ignores readOnlyRootFilesystem false in baseline mode, where it is the default",
    withContainer({ securityContext: { readOnlyRootFilesystem: false } }),
    (result) => expect(securityContextOf(result)).toEqual(baselineContainer),
  ),
  refuses(
    "refuses runAsNonRoot false in restricted mode as any other securityContext",
    withContainer({ securityContext: { runAsNonRoot: false } }),
    "spec.containers[0].securityContext must not be set; stackd sets it",
    restricted,
  ),
  refuses(
    "refuses an empty container securityContext",
    withContainer({ securityContext: {} }),
    "spec.containers[0].securityContext must not be set; stackd sets it",
  ),
  refuses(
    "refuses a %YAML 9.9 document",
    `%YAML 9.9\n---\n${podYaml()}`,
    "YAML not accepted: Unsupported YAML version 9.9 at line 1, column 7",
  ),
];
