import {
  type Allowlist,
  type AllowlistKind,
  capped,
  type FieldReader,
  kept,
  objectOf,
  readAllowed,
  refused,
} from "./allowlist.ts";
import { expectObject, fail, quote } from "./fields.ts";
import {
  anyString,
  checkExactlyOne,
  int32Max,
  integerBetween,
  integerIn,
  listOfObjects,
  nonNegativeInteger,
  oneOf,
  stringList,
} from "./readers.ts";

const portName = /^(?=.*[a-z])[a-z0-9](?:[-a-z0-9]{0,13}[a-z0-9])?$/;
const nodeSideRequest =
  "the kubelet would send the request from the node to any address (SSRF); without it, the pod's own IP";

/** A port of the pod itself: a number or the name of a declared port. */
const podPort: FieldReader = (value, path) => {
  if (typeof value === "string" && portName.test(value)) return value;
  if (typeof value === "number") return integerBetween(value, 1, 65535, path);
  return fail(`${path} must be a port number or a port name, got ${quote(value)}`);
};

/** Seconds clamped to the pod's grace period (itself at most PodPolicy.maxTerminationGracePeriodSeconds). */
function clampedToGrace(min: number): FieldReader {
  return (value, path, context) =>
    Math.min(integerBetween(value, min, int32Max, path), context.gracePeriodSeconds);
}

const httpHeaderFields: Allowlist = {
  name: kept("a header of the kubelet's request to the pod", anyString),
  value: kept("its value", anyString),
};

const httpGetFields: Allowlist = {
  path: kept("the path the kubelet requests from the pod", anyString),
  port: kept("a port of the pod", podPort),
  scheme: kept("HTTP or HTTPS", oneOf(["HTTP", "HTTPS"])),
  httpHeaders: kept(
    "headers of the request (a Host header changes no address)",
    listOfObjects(httpHeaderFields),
  ),
  host: refused(nodeSideRequest),
};

const tcpSocketFields: Allowlist = {
  port: kept("a port of the pod", podPort),
  host: refused(nodeSideRequest),
};

const grpcFields: Allowlist = {
  port: kept("a port of the pod", integerIn(1, 65535)),
  service: kept("the gRPC health service name", anyString),
};

const execFields: Allowlist = {
  command: kept("runs inside the container", stringList),
};

const sleepFields: Allowlist = {
  seconds: capped(
    "clamped to the pod's grace period: a hook cannot hold a deleted stack's quota",
    clampedToGrace(0),
  ),
};

/** An object of the allowlist that must also set exactly one of `actions`. */
function withOneAction(allowlist: Allowlist, actions: readonly string[]): FieldReader {
  return (value, path, context) => {
    const object = readAllowed(expectObject(value, path), allowlist, path, context);
    checkExactlyOne(object, actions, path);
    return object;
  };
}

const probeActions = ["exec", "httpGet", "tcpSocket", "grpc"] as const;

const probeFields: Allowlist = {
  exec: kept("a command in the container", objectOf(execFields)),
  httpGet: kept("an HTTP request to the pod", objectOf(httpGetFields)),
  tcpSocket: kept("a connection to the pod", objectOf(tcpSocketFields)),
  grpc: kept("a gRPC health check of the pod", objectOf(grpcFields)),
  initialDelaySeconds: kept("timing of the author's own probe", nonNegativeInteger),
  timeoutSeconds: kept("timing of the author's own probe", nonNegativeInteger),
  periodSeconds: kept("timing of the author's own probe", nonNegativeInteger),
  successThreshold: kept("timing of the author's own probe", nonNegativeInteger),
  failureThreshold: kept("timing of the author's own probe", nonNegativeInteger),
  terminationGracePeriodSeconds: capped("clamped to the pod's grace period", clampedToGrace(1)),
};

/** A liveness, readiness or startup probe. */
export const readProbe = withOneAction(probeFields, probeActions);

const hookActions = ["exec", "httpGet", "sleep"] as const;

const hookFields: Allowlist = {
  exec: kept("a command in the container", objectOf(execFields)),
  httpGet: kept("an HTTP request to the pod", objectOf(httpGetFields)),
  sleep: kept("a pause before the container stops", objectOf(sleepFields)),
  tcpSocket: refused("the kubelet does not run tcpSocket hooks; with a host it would reach outside the pod"),
};

const lifecycleFields: Allowlist = {
  postStart: kept("a hook after the container starts", withOneAction(hookFields, hookActions)),
  preStop: kept("a hook before it stops, within the grace period", withOneAction(hookFields, hookActions)),
  stopSignal: refused("needs spec.os, which stackd does not accept"),
};

export const readLifecycle = objectOf(lifecycleFields);

/** The handler tables, with where they apply, for docs/allowlist.md. */
export const handlerKinds: readonly AllowlistKind[] = [
  { path: "spec.containers[].livenessProbe (and readinessProbe, startupProbe)", fields: probeFields },
  { path: "spec.containers[].lifecycle", fields: lifecycleFields },
  { path: "spec.containers[].lifecycle.postStart (and preStop)", fields: hookFields },
  { path: "spec.containers[].livenessProbe.exec (and in every probe and hook)", fields: execFields },
  { path: "spec.containers[].livenessProbe.httpGet (and in every probe and hook)", fields: httpGetFields },
  {
    path: "spec.containers[].livenessProbe.httpGet.httpHeaders[] (and in every httpGet)",
    fields: httpHeaderFields,
  },
  {
    path: "spec.containers[].livenessProbe.tcpSocket (and in readinessProbe, startupProbe)",
    fields: tcpSocketFields,
  },
  { path: "spec.containers[].livenessProbe.grpc (and in readinessProbe, startupProbe)", fields: grpcFields },
  { path: "spec.containers[].lifecycle.preStop.sleep (and postStart)", fields: sleepFields },
];
