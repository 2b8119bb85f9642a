import { join, resolve } from "node:path";
import { parse, parseAllDocuments } from "yaml";

export const deployDir = resolve(import.meta.dir, "../../deploy");

export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: each test reads the fields of the kind it looks for.
  [field: string]: any;
}

/** The resources deploy/kustomization.yaml lists, as their files say (no kubectl, no `images:` applied). */
export async function deployResources(): Promise<ManifestObject[]> {
  const kustomization = parse(await Bun.file(join(deployDir, "kustomization.yaml")).text()) as {
    resources: string[];
  };
  const texts = await Promise.all(
    kustomization.resources.map((file) => Bun.file(join(deployDir, file)).text()),
  );
  return texts.flatMap((text) =>
    parseAllDocuments(text).map((document) => document.toJS() as ManifestObject),
  );
}

/** One object of deploy/ by kind and name; throws when there is none. */
export async function deployedObject(kind: string, name: string): Promise<ManifestObject> {
  const found = (await deployResources()).find(
    (object) => object.kind === kind && object.metadata.name === name,
  );
  if (!found) throw new Error(`deploy/ has no ${kind} ${name}`);
  return found;
}
