import { readEnv, readEnvFromList } from "./allow-env.ts";
import { readLifecycle, readProbe } from "./allow-handlers.ts";
import { readVolumeMounts } from "./allow-volume.ts";
import {
  type Allowlist,
  type AllowlistKind,
  capped,
  type FieldReader,
  kept,
  objectOf,
  overridden,
  readAllowed,
  refused,
} from "./allowlist.ts";
import {
  expectList,
  expectObject,
  expectString,
  fail,
  type JsonObject,
  optionalList,
  quote,
  requiredString,
} from "./fields.ts";
import { checkImageReference } from "./image-reference.ts";
import { checkDnsLabel, checkPortName } from "./names.ts";
import { parseCpuMilli, parseMemoryBytes } from "./quantity.ts";
import { anyBoolean, anyString, integerIn, listOfObjects, oneOf, quantityOf, stringList } from "./readers.ts";

const portFields: Allowlist = {
  containerPort: kept("the one port a stack exposes (exactly one across the pod)", integerIn(1, 65535)),
  protocol: kept("TCP (the default) or UDP", oneOf(["TCP", "UDP"])),
  name: kept("an IANA service name (probes and the stack's endpoints use it)", (value, path) =>
    checkPortName(expectString(value, path), path),
  ),
  hostPort: refused("binds a port of the node; 0 (unset) is accepted", (value, path) => {
    if (value !== 0) fail(`${path} must not be set`);
    return undefined;
  }),
  hostIP: refused('binds an address of the node; "" (unset) is accepted', (value, path) => {
    if (value !== "") fail(`${path} must not be set`);
    return undefined;
  }),
};

const resourceAmountFields: Allowlist = {
  cpu: kept(
    "request = limit = the larger of the two (Guaranteed QoS); counted by stackd",
    quantityOf(parseCpuMilli),
  ),
  memory: kept(
    "request = limit = the larger of the two (Guaranteed QoS); counted by stackd",
    quantityOf(parseMemoryBytes),
  ),
  "ephemeral-storage": kept("bounds the container's writable layer and logs", quantityOf(parseMemoryBytes)),
};

const resourcesFields: Allowlist = {
  requests: kept(
    "cpu, memory and ephemeral-storage only: extended resources and hugepages reach node devices and memory",
    objectOf(resourceAmountFields),
  ),
  limits: kept("as requests", objectOf(resourceAmountFields)),
  claims: refused("names pod resourceClaims, which are refused"),
};

const securityContextFields: Allowlist = {
  readOnlyRootFilesystem: kept(
    "the author's one choice: true in restricted mode unless false is given; true is honoured in baseline mode",
    anyBoolean,
  ),
};

/** Only `{readOnlyRootFilesystem: <bool>}`; stackd sets everything else of a container's securityContext. */
const readSecurityContext: FieldReader = (value, path, context) => {
  const keys = typeof value === "object" && value !== null && !Array.isArray(value) ? Object.keys(value) : [];
  if (keys.length !== 1 || keys[0] !== "readOnlyRootFilesystem")
    fail(`${path} must not be set; stackd sets it`);
  return readAllowed(value as JsonObject, securityContextFields, path, context);
};

const readImage: FieldReader = (value, path) => {
  const image = expectString(value, path);
  if (image.trim() === "") fail(`${path} is required`);
  checkImageReference(image, path);
  return image;
};

const probeReason = "exec, httpGet or tcpSocket without a host, grpc; on init containers only for sidecars";

/** The fields of a regular container. */
export const containerFields: Allowlist = {
  name: kept("a DNS label, unique in the pod", (value, path) =>
    checkDnsLabel(expectString(value, path), path),
  ),
  image: kept("an OCI reference: whitespace, control characters and bidi marks are refused", readImage),
  imagePullPolicy: kept("Always, IfNotPresent or Never", oneOf(["Always", "IfNotPresent", "Never"])),
  command: kept("PodPolicy.maxCommandBytes together with args", stringList),
  args: kept("PodPolicy.maxCommandBytes together with command", stringList),
  workingDir: kept("inside the container", anyString),
  ports: kept("containerPort, protocol and name; no hostPort or hostIP", listOfObjects(portFields)),
  env: capped("PodPolicy.maxEnvPerContainer; literal values and the pod's own fields", readEnv),
  envFrom: kept("ConfigMaps only, when PodPolicy.allowConfigMaps", readEnvFromList),
  resources: kept("cpu and memory are normalised and counted", objectOf(resourcesFields)),
  volumeMounts: kept("of the pod's own volumes", readVolumeMounts),
  livenessProbe: kept(probeReason, readProbe),
  readinessProbe: kept(probeReason, readProbe),
  startupProbe: kept(probeReason, readProbe),
  lifecycle: kept(
    "postStart and preStop: exec, httpGet without a host, sleep (capped); on init containers only for sidecars",
    readLifecycle,
  ),
  terminationMessagePolicy: kept("File or FallbackToLogsOnError", oneOf(["File", "FallbackToLogsOnError"])),
  stdin: kept("the container's own stdin", anyBoolean),
  stdinOnce: kept("the container's own stdin", anyBoolean),
  tty: kept("the container's own terminal", anyBoolean),
  securityContext: overridden(
    "stackd sets it (see Pod Security); the author may only choose readOnlyRootFilesystem",
    readSecurityContext,
  ),
  restartPolicy: refused("would defeat the pod's restartPolicy Never; only init containers may be sidecars"),
  restartPolicyRules: refused("would restart a container the pod's restartPolicy Never ends"),
  resizePolicy: refused("stackd never resizes a stack's pod"),
  volumeDevices: refused("raw block devices come from PersistentVolumeClaims, which are refused"),
  terminationMessagePath: refused(
    "the kubelet mounts a file of the node there; the default /dev/termination-log serves",
  ),
};

const sidecarOnly = ["livenessProbe", "readinessProbe", "startupProbe", "lifecycle"] as const;

/** The fields of an init container: a container's, plus restartPolicy Always for a native sidecar. */
export const initContainerFields: Allowlist = {
  ...containerFields,
  restartPolicy: kept("Always only: a native sidecar that runs beside the containers", oneOf(["Always"])),
  ports: refused("init containers expose nothing; an empty list is accepted", (value, path) =>
    expectList(value, path),
  ),
};

function checkCommandBytes(container: JsonObject, maxBytes: number, label: string): void {
  const words = [...((container.command ?? []) as string[]), ...((container.args ?? []) as string[])];
  const bytes = words.reduce((sum, word) => sum + Buffer.byteLength(word), 0);
  if (bytes > maxBytes)
    fail(`${label} has ${bytes} bytes of command and args, more than the limit of ${maxBytes}`);
}

/** How a container is named in refusals: `spec.containers[0] ("app")`. */
export function containerLabel(path: string, name: string): string {
  return `${path} (${quote(name)})`;
}

function containerReader(isInit: boolean): FieldReader {
  return (value, path, context) => {
    const container = expectObject(value, path);
    const name = requiredString(container, "name", path);
    requiredString(container, "image", path);
    const label = containerLabel(path, name);
    const ports = optionalList(container, "ports", path);
    if (isInit && ports !== undefined && ports.length > 0)
      fail(`${label}: init containers must not declare ports`);
    const read = readAllowed(container, isInit ? initContainerFields : containerFields, path, context);
    checkCommandBytes(read, context.policy.maxCommandBytes, label);
    const field = sidecarOnly.find((key) => read[key] !== undefined);
    if (isInit && read.restartPolicy !== "Always" && field !== undefined) {
      fail(`${label}: ${field} is only allowed on sidecar init containers (restartPolicy Always)`);
    }
    return read;
  };
}

export const readContainer = containerReader(false);
export const readInitContainer = containerReader(true);

/** The container tables, with where they apply, for docs/allowlist.md. */
export const containerKinds: readonly AllowlistKind[] = [
  { path: "spec.containers[]", fields: containerFields },
  {
    path: "spec.initContainers[] (as spec.containers[], except)",
    fields: initContainerFields,
    except: containerFields,
  },
  { path: "spec.containers[].ports[]", fields: portFields },
  { path: "spec.containers[].resources", fields: resourcesFields },
  { path: "spec.containers[].resources.requests (and limits)", fields: resourceAmountFields },
  { path: "spec.containers[].securityContext", fields: securityContextFields },
];
