import { accepts, expectContainerField, type HostileCase, refuses, withContainer } from "./hostile-cases.ts";

const env = (...variables: Record<string, unknown>[]) => withContainer({ env: variables });
const valueFrom = (source: Record<string, unknown>) => env({ name: "X", valueFrom: source });
const configMaps = { allowConfigMaps: true };

/** Environment variables: literal strings and the pod's own fields only. */
export const envCases: HostileCase[] = [
  // A YAML number became a 500 when the API server refused to decode it.
  refuses(
    "refuses a value that is a YAML number",
    env({ name: "D", value: 12 }),
    "spec.containers[0].env[0].value must be a string, got a number",
  ),
  refuses(
    "refuses a value that is a YAML boolean",
    env({ name: "D", value: true }),
    "spec.containers[0].env[0].value must be a string, got a boolean",
  ),
  refuses(
    "refuses a value written as YAML 1.1 yes, which Kubernetes reads as a boolean",
    withContainer({}).replace(
      "    - name: app\n",
      "    - name: app\n      env:\n        - name: D\n          value: yes\n",
    ),
    "spec.containers[0].env[0].value must be a string, got a boolean",
  ),
  refuses(
    "refuses a variable without a name",
    env({ value: "x" }),
    "spec.containers[0].env[0].name is required",
  ),
  refuses(
    "refuses a name with '='",
    env({ name: "A=B", value: "x" }),
    "spec.containers[0].env[0].name must be printable ASCII without '=' (an environment variable name), got \"A=B\"",
  ),
  refuses(
    "refuses a name with a newline",
    env({ name: "A\nB", value: "x" }),
    "spec.containers[0].env[0].name must be printable ASCII without '=' (an environment variable name), got \"A\\nB\"",
  ),
  refuses(
    "refuses 101 variables",
    withContainer({ env: Array.from({ length: 101 }, (_, index) => ({ name: `V${index}` })) }),
    "spec.containers[0].env lists 101 variables, more than the limit of 100",
  ),
  refuses(
    "refuses 8,000 variables",
    withContainer({ env: Array.from({ length: 8000 }, (_, index) => ({ name: `V${index}` })) }),
    "spec.containers[0].env lists 8000 variables, more than the limit of 100",
  ),
  refuses(
    "refuses secretKeyRef",
    valueFrom({ secretKeyRef: { name: "other-tenant", key: "flag" } }),
    "spec.containers[0].env[0].valueFrom: secretKeyRef is not allowed",
  ),
  refuses(
    "refuses configMapKeyRef when the operator does not allow config maps",
    valueFrom({ configMapKeyRef: { name: "c", key: "k" } }),
    "spec.containers[0].env[0].valueFrom: configMapKeyRef is not allowed",
  ),
  refuses(
    "refuses fileKeyRef",
    valueFrom({ fileKeyRef: { volumeName: "v", path: "p", key: "k" } }),
    "spec.containers[0].env[0].valueFrom: fileKeyRef is not allowed",
  ),
  refuses(
    "refuses a fieldRef outside the pod's own fields",
    valueFrom({ fieldRef: { fieldPath: "spec.containers[0].image" } }),
    'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath must name a field of the pod itself (metadata.name, metadata.namespace, metadata.uid, spec.nodeName, spec.serviceAccountName, status.hostIP, status.hostIPs, status.podIP, status.podIPs), got "spec.containers[0].image"',
  ),
  refuses(
    "refuses a fieldRef of another apiVersion",
    valueFrom({ fieldRef: { fieldPath: "metadata.name", apiVersion: "v2" } }),
    'spec.containers[0].env[0].valueFrom.fieldRef.apiVersion must be v1, got "v2"',
  ),
  refuses(
    "refuses a resourceFieldRef to an extended resource",
    valueFrom({ resourceFieldRef: { resource: "limits.nvidia.com/gpu" } }),
    'spec.containers[0].env[0].valueFrom.resourceFieldRef.resource must be limits.cpu, requests.cpu, limits.memory, requests.memory, limits.ephemeral-storage or requests.ephemeral-storage, got "limits.nvidia.com/gpu"',
  ),
  refuses(
    "refuses a resourceFieldRef divisor that is not a quantity",
    valueFrom({ resourceFieldRef: { resource: "limits.cpu", divisor: "lots" } }),
    'spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor: invalid quantity "lots": expected a number such as 100m or 1Gi',
  ),
  refuses(
    "refuses two sources in one valueFrom",
    valueFrom({ fieldRef: { fieldPath: "metadata.name" }, resourceFieldRef: { resource: "limits.cpu" } }),
    "spec.containers[0].env[0].valueFrom must set exactly one of fieldRef, resourceFieldRef or configMapKeyRef, found 2",
  ),
  refuses(
    "refuses an empty valueFrom",
    valueFrom({}),
    "spec.containers[0].env[0].valueFrom must set exactly one of fieldRef, resourceFieldRef or configMapKeyRef, found 0",
  ),
  refuses(
    "refuses both value and valueFrom",
    env({ name: "X", value: "a", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }),
    "spec.containers[0].env[0] must not set both value and valueFrom",
  ),
  refuses(
    "refuses envFrom secretRef",
    withContainer({ envFrom: [{ secretRef: { name: "other-tenant" } }] }),
    "spec.containers[0].envFrom[0]: secretRef is not allowed",
  ),
  refuses(
    "refuses envFrom configMapRef when the operator does not allow config maps",
    withContainer({ envFrom: [{ configMapRef: { name: "c" } }] }),
    "spec.containers[0].envFrom[0]: configMapRef is not allowed",
  ),
  refuses(
    "refuses an envFrom with only a prefix",
    withContainer({ envFrom: [{ prefix: "X_" }] }),
    "spec.containers[0].envFrom[0] must set exactly one of configMapRef, found 0",
    configMaps,
  ),
  refuses(
    "refuses more envFrom sources than the limit",
    withContainer({ envFrom: Array.from({ length: 3 }, () => ({ configMapRef: { name: "c" } })) }),
    "spec.containers[0].envFrom lists 3 sources, more than the limit of 2",
    { ...configMaps, maxEnvPerContainer: 2 },
  ),
  // A NUL reached the Pod: it cuts the value short for every C program that reads it.
  refuses(
    "refuses a NUL in a value",
    env({ name: "FLAG", value: "flag\u0000tail" }),
    "spec.containers[0].env[0].value must not contain control characters other than tab and newline, got U+0000 at character 5",
  ),
  refuses(
    "refuses a carriage return in a value",
    env({ name: "A", value: "x" }, { name: "B", value: "line\r\n" }),
    "spec.containers[0].env[1].value must not contain control characters other than tab and newline, got U+000D at character 5",
  ),
  refuses(
    "refuses an escape sequence in a value",
    env({ name: "A", value: "\u001b[2J" }),
    "spec.containers[0].env[0].value must not contain control characters other than tab and newline, got U+001B at character 1",
  ),
  refuses(
    "refuses DEL in a value",
    env({ name: "A", value: "x\u007f" }),
    "spec.containers[0].env[0].value must not contain control characters other than tab and newline, got U+007F at character 2",
  ),
  accepts(
    "keeps tabs and newlines in a value",
    env({ name: "PEM", value: "-----BEGIN-----\n\tabc\n-----END-----\n" }),
    (result) =>
      expectContainerField(result, "env", [
        { name: "PEM", value: "-----BEGIN-----\n\tabc\n-----END-----\n" },
      ]),
  ),
  accepts(
    "keeps literal values and the pod's own fields",
    env(
      { name: "MODE", value: "ctf" },
      { name: "EMPTY" },
      { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "TEAM", valueFrom: { fieldRef: { fieldPath: "metadata.labels['team']" } } },
      { name: "CPU", valueFrom: { resourceFieldRef: { resource: "limits.cpu", divisor: "1m" } } },
    ),
    (result) =>
      expectContainerField(result, "env", [
        { name: "MODE", value: "ctf" },
        { name: "EMPTY" },
        { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        { name: "TEAM", valueFrom: { fieldRef: { fieldPath: "metadata.labels['team']" } } },
        { name: "CPU", valueFrom: { resourceFieldRef: { resource: "limits.cpu", divisor: "1m" } } },
      ]),
  ),
  accepts(
    "keeps ConfigMap sources when the operator allows config maps",
    withContainer({
      env: [{ name: "K", valueFrom: { configMapKeyRef: { name: "c", key: "k", optional: true } } }],
      envFrom: [{ prefix: "C_", configMapRef: { name: "c" } }],
    }),
    (result) => expectContainerField(result, "envFrom", [{ prefix: "C_", configMapRef: { name: "c" } }]),
    configMaps,
  ),
];
