import { describe, expect, it } from "bun:test";
import { resolve } from "node:path";
import { compileTargets, dockerfileStages } from "../../helpers/dockerfile.ts";

// Images published for linux/amd64 and linux/arm64 (their registries' manifest lists); a base image not
// listed here must be checked by hand before it is added.
const multiArchImages = [/^oven\/bun:\d+\.\d+\.\d+$/, /^gcr\.io\/distroless\/cc-debian12:nonroot$/];

describe("Dockerfile for docker buildx build --platform linux/amd64,linux/arm64", () => {
  it("builds on the builder's own platform and cross-compiles for TARGETARCH", async () => {
    const [build] = await dockerfileStages();
    expect(build?.name).toBe("build");
    expect(build?.platform).toBe("$BUILDPLATFORM");
    const lines = build?.lines ?? [];
    const declared = lines.indexOf("ARG TARGETARCH");
    const used = lines.findIndex((line) => line.includes("$TARGETARCH"));
    expect(declared).toBeGreaterThanOrEqual(0);
    expect(used).toBeGreaterThan(declared);
    expect(lines.find((line) => line.includes("bun build --compile"))).toContain('--target="$target"');
  });

  it("maps amd64 and arm64 to Bun's linux targets, and refuses any other architecture", async () => {
    expect(await compileTargets()).toEqual({ amd64: "bun-linux-x64", arm64: "bun-linux-arm64" });
    const [build] = await dockerfileStages();
    expect(build?.lines.join("\n")).toMatch(/\*\) echo "stackd builds for amd64 and arm64.*exit 1 ;;/);
  });

  it("uses only base images published for both architectures, the build one at tools/bun.sh's Bun", async () => {
    const stages = await dockerfileStages();
    for (const { image } of stages) expect(multiArchImages.some((known) => known.test(image))).toBe(true);
    const bunScript = await Bun.file(resolve(import.meta.dir, "../../../tools/bun.sh")).text();
    const [, bunVersion] = /^bun_version=(\S+)$/m.exec(bunScript) ?? [];
    expect(stages[0]?.image).toBe(`oven/bun:${bunVersion}`);
    expect(stages.at(-1)?.platform).toBeUndefined();
  });
});
