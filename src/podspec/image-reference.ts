import { fail, quote } from "./fields.ts";

// The grammar of github.com/distribution/reference (the OCI distribution spec's reference format).
const alphaNumeric = "[a-z0-9]+";
const separator = "(?:[._]|__|[-]+)";
const pathComponent = `${alphaNumeric}(?:${separator}${alphaNumeric})*`;
const domainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const host = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])`;
const domain = `${host}(?::[0-9]+)?`;
const tag = "[\\w][\\w.-]{0,127}";
const digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const reference = new RegExp(
  `^(?<name>(?:${domain}/)?${pathComponent}(?:/${pathComponent})*)(?::${tag})?(?:@${digest})?$`,
);

/** The reference library's own bound on a name (registry and repository). */
const maxNameLength = 255;
/** A bound on the whole reference, checked before the pattern runs. */
const maxReferenceLength = 512;

/**
 * Refuses an image that is not `[registry[:port]/]name[:tag][@digest]` by the OCI reference grammar: this also
 * refuses whitespace, control characters, bidi marks and anything else a registry could not be asked for.
 */
export function checkImageReference(image: string, path: string): void {
  if (image.length > maxReferenceLength) {
    fail(`${path} is ${image.length} characters long, more than the limit of ${maxReferenceLength}`);
  }
  const name = reference.exec(image)?.groups?.name;
  if (name === undefined) {
    fail(`${path} must be an image reference such as "registry:5000/team/app:1.0", got ${quote(image)}`);
  }
  if (name.length > maxNameLength) {
    fail(`${path} has a repository name longer than ${maxNameLength} characters`);
  }
}
