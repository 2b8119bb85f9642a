import { describe, expect, it } from "bun:test";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { deployDir, deployedObject, deployResources } from "../../helpers/deploy.ts";

const repo = resolve(import.meta.dir, "../../..");

const kustomization = async () =>
  parse(await Bun.file(join(deployDir, "kustomization.yaml")).text()) as {
    resources: string[];
    images: Array<{ name: string; newTag: string }>;
  };

const stackdContainer = async () =>
  (await deployedObject("Deployment", "stackd")).spec.template.spec.containers[0];

describe("deploy/", () => {
  it("lists every manifest beside it in kustomization.yaml, so that none is silently left out", async () => {
    const files = readdirSync(deployDir).filter(
      (file) => /\.ya?ml$/.test(file) && file !== "kustomization.yaml",
    );
    expect((await kustomization()).resources.toSorted()).toEqual(files.toSorted());
  });

  it("runs stackd as the Dockerfile's numeric USER and group, with no fsGroup since no volume needs one", async () => {
    const dockerfile = await Bun.file(join(repo, "Dockerfile")).text();
    const [, user, group] = dockerfile.match(/^USER (\d+):(\d+)$/m) ?? [];
    expect(user).toBeDefined();
    const pod = (await deployedObject("Deployment", "stackd")).spec.template.spec.securityContext;
    expect({ user: pod.runAsUser, group: pod.runAsGroup, fsGroup: pod.fsGroup }).toEqual({
      user: Number(user),
      group: Number(group),
      fsGroup: undefined,
    });
  });

  it("names the image with package.json's version, in the Deployment and in the images override", async () => {
    const { version } = (await Bun.file(join(repo, "package.json")).json()) as { version: string };
    const [image] = (await kustomization()).images;
    expect((await stackdContainer()).image).toBe(`${image?.name}:${version}`);
    expect(image?.newTag).toBe(version);
  });

  it("grants the Role in the namespace that STACK_NAMESPACE names, and labels it baseline", async () => {
    const env = (await stackdContainer()).env as Array<{ name: string; value?: string }>;
    const stacks = env.find((variable) => variable.name === "STACK_NAMESPACE")?.value ?? "";
    expect((await deployedObject("Role", "stackd")).metadata.namespace).toBe(stacks);
    expect((await deployedObject("Namespace", stacks)).metadata.labels).toMatchObject({
      "pod-security.kubernetes.io/enforce": "baseline",
      "pod-security.kubernetes.io/warn": "restricted",
    });
  });

  it("enforces the restricted Pod Security profile in stackd's own namespace", async () => {
    const objects = await deployResources();
    const own = objects.find((object) => object.kind === "Deployment")?.metadata.namespace ?? "";
    expect((await deployedObject("Namespace", own)).metadata.labels).toMatchObject({
      "pod-security.kubernetes.io/enforce": "restricted",
    });
  });
});
