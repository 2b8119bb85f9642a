import { configMapRefFields, configMapSource, secretSource } from "./allow-config-maps.ts";
import { envFieldRefFields, resourceFieldRefFields } from "./allow-downward-api.ts";
import {
  type Allowlist,
  type AllowlistKind,
  type FieldReader,
  kept,
  objectOf,
  readAllowed,
  refused,
} from "./allowlist.ts";
import { refusedControlCharacter } from "./control-characters.ts";
import { expectObject, expectString, fail, requiredString } from "./fields.ts";
import { checkEnvName } from "./names.ts";
import type { PodPolicy } from "./pod-policy.ts";
import { anyString, checkExactlyOne, listOf } from "./readers.ts";

const configMapKeyRefFields: Allowlist = {
  ...configMapRefFields,
  key: kept("one of its keys", anyString),
};

const valueSources = ["fieldRef", "resourceFieldRef", "configMapKeyRef"] as const;

const valueFromFields: Allowlist = {
  fieldRef: kept("a field of the pod itself", objectOf(envFieldRefFields)),
  resourceFieldRef: kept("a resource amount of the pod's own containers", objectOf(resourceFieldRefFields)),
  configMapKeyRef: configMapSource(objectOf(configMapKeyRefFields)),
  secretKeyRef: secretSource,
  fileKeyRef: refused("reads a file of a volume before the container starts (alpha)"),
};

const readValueFrom: FieldReader = (value, path, context) => {
  const source = readAllowed(expectObject(value, path), valueFromFields, path, context);
  checkExactlyOne(source, valueSources, path);
  return source;
};

const readEnvName: FieldReader = (value, path) => {
  const name = expectString(value, path);
  checkEnvName(name, path);
  return name;
};

const readEnvValue: FieldReader = (value, path) => {
  const text = expectString(value, path);
  const control = refusedControlCharacter(text);
  if (control) fail(`${path} must not contain control characters other than tab and newline, got ${control}`);
  return text;
};

const envVarFields: Allowlist = {
  name: kept("printable ASCII other than '='", readEnvName),
  value: kept(
    "a string without control characters but tab and newline: a YAML number or boolean is refused, as the API server would refuse it",
    readEnvValue,
  ),
  valueFrom: kept("a field or resource of the pod itself (and a ConfigMap key when allowed)", readValueFrom),
};

const readEnvVar: FieldReader = (value, path, context) => {
  const variable = expectObject(value, path);
  requiredString(variable, "name", path);
  const read = readAllowed(variable, envVarFields, path, context);
  if (read.value !== undefined && read.value !== "" && read.valueFrom !== undefined) {
    fail(`${path} must not set both value and valueFrom`);
  }
  return read;
};

const envFromFields: Allowlist = {
  prefix: kept("prepended to each imported name", anyString),
  configMapRef: configMapSource(objectOf(configMapRefFields)),
  secretRef: secretSource,
};

const readEnvFrom: FieldReader = (value, path, context) => {
  const source = readAllowed(expectObject(value, path), envFromFields, path, context);
  checkExactlyOne(source, ["configMapRef"], path);
  return source;
};

const envCap = { limit: (policy: PodPolicy) => policy.maxEnvPerContainer, noun: "variables" };

/** A container's `env`: at most PodPolicy.maxEnvPerContainer variables. */
export const readEnv = listOf(readEnvVar, envCap);

/** A container's `envFrom`: ConfigMaps only, when the operator allows them. */
export const readEnvFromList = listOf(readEnvFrom, { ...envCap, noun: "sources" });

/** The env tables, with where they apply, for docs/allowlist.md. */
export const envKinds: readonly AllowlistKind[] = [
  { path: "spec.containers[].env[]", fields: envVarFields },
  { path: "spec.containers[].env[].valueFrom", fields: valueFromFields },
  { path: "spec.containers[].env[].valueFrom.fieldRef", fields: envFieldRefFields },
  {
    path: "spec.containers[].env[].valueFrom.resourceFieldRef (and in downwardAPI items)",
    fields: resourceFieldRefFields,
  },
  { path: "spec.containers[].env[].valueFrom.configMapKeyRef", fields: configMapKeyRefFields },
  { path: "spec.containers[].envFrom[]", fields: envFromFields },
  { path: "spec.containers[].envFrom[].configMapRef", fields: configMapRefFields },
];
