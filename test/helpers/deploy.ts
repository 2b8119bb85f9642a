import { resolve } from "node:path";
import { parseAllDocuments } from "yaml";

export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: each test reads the fields of the kind it looks for.
  [field: string]: any;
}

const deployFile = resolve(import.meta.dir, "../../deploy/stackd.yaml");

/** One object of deploy/stackd.yaml by kind and name; throws when the manifest has none. */
export async function deployedObject(kind: string, name: string): Promise<ManifestObject> {
  const documents = parseAllDocuments(await Bun.file(deployFile).text()).map(
    (document) => document.toJS() as ManifestObject,
  );
  const found = documents.find((document) => document.kind === kind && document.metadata.name === name);
  if (!found) throw new Error(`deploy/stackd.yaml has no ${kind} ${name}`);
  return found;
}
