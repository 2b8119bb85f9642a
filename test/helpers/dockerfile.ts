import { resolve } from "node:path";

export const dockerfilePath = resolve(import.meta.dir, "../../Dockerfile");

export interface DockerfileStage {
  platform: string | undefined;
  image: string;
  name: string | undefined;
  lines: string[];
}

/** The Dockerfile's stages: each FROM line's flags, image and name, with the lines up to the next FROM. */
export async function dockerfileStages(): Promise<DockerfileStage[]> {
  const text = (await Bun.file(dockerfilePath).text()).replace(/\\\n/g, " ");
  const stages: DockerfileStage[] = [];
  for (const line of text.split("\n").filter((each) => each.trim() !== "" && !each.startsWith("#"))) {
    const from = /^FROM\s+(?:--platform=(\S+)\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) stages.push({ platform: from[1], image: from[2] as string, name: from[3], lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

/** The Bun compile target the build stage picks for each TARGETARCH (its `case` arms). */
export async function compileTargets(): Promise<Record<string, string>> {
  const build = (await dockerfileStages()).find((stage) => stage.name === "build");
  const script = build?.lines.find((line) => line.includes('case "$TARGETARCH"')) ?? "";
  return Object.fromEntries(
    [...script.matchAll(/(\w+)\) target=(bun-linux-[\w-]+) ;;/g)].map((arm) => [arm[1], arm[2]]),
  );
}
