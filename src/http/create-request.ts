import { Kind, type TUnion } from "@sinclair/typebox";
import { type ValueError, ValueErrorType } from "@sinclair/typebox/value";
import type { PodManifest, StackPort } from "../../machines/stack.types.ts";
import { AppError, invalidRequest } from "../errors/app-error.ts";
import { InvalidPodSpecError, InvalidTargetPortError } from "../podspec/errors.ts";
import { defaultPodPolicy, type PodPolicy } from "../podspec/pod-policy.ts";
import {
  type ExposedPort,
  type ExposeRequest,
  maxExposedPorts,
  sanitizePodSpec,
} from "../podspec/sanitize-pod-spec.ts";
import { checkStackEnv, withStackEnv } from "../podspec/stack-env.ts";
import { checkStackLabels } from "../podspec/stack-labels.ts";
import type { NewStack } from "../stacks/stack-service.ts";
import type { CreateStackBody } from "./model.ts";

const invalidBody = (reason: string) => invalidRequest(`invalid request body: ${reason}`);

/** A TypeBox error path in the contract's words: `/target_port/0/protocol` is `target_port[0].protocol`. */
const fieldOf = (path: string) =>
  path
    .split("/")
    .slice(1)
    .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"))
    .map((part, index) => (/^\d+$/.test(part) ? `[${part}]` : index === 0 ? part : `.${part}`))
    .join("");

/** The first problem of v1.2's `target_port` list, from the union's list branch. */
function portListProblem(union: ValueError): string {
  const listBranch = (union.schema as TUnion).anyOf.findIndex((branch) => branch[Kind] === "Array");
  const first = union.errors[listBranch]?.First();
  const list = union.value as unknown[];
  if (!first) return "target_port must be an integer";
  if (first.type === ValueErrorType.ArrayMinItems || first.type === ValueErrorType.ArrayMaxItems)
    return `target_port must list 1 to ${maxExposedPorts} ports, got ${list.length}`;
  const field = fieldOf(first.path);
  if (first.type === ValueErrorType.ObjectAdditionalProperties) return `${field} is not allowed`;
  if (field.endsWith(".container_port")) return `${field} must be an integer`;
  if (field.endsWith(".app_protocol")) return `${field} must be "tcp" or "http"`;
  if (field.endsWith(".protocol"))
    return first.type === ValueErrorType.ObjectRequiredProperty
      ? `${field} is required`
      : `${field} must be "TCP" or "UDP"`;
  return `${field} must be an object with container_port and protocol`;
}

/** The contract's 400 for TypeBox's first error in a `POST /stacks` body (`stackModel.createBody`). */
export function createBodyRefusal(error: ValueError): AppError {
  const field = error.path.split("/")[1];
  const missing = error.type === ValueErrorType.ObjectRequiredProperty;
  if (field === undefined) return invalidBody("expected a JSON object");
  if (field === "target_port") {
    if (missing) return invalidBody("target_port is required");
    return invalidBody(
      Array.isArray(error.value) ? portListProblem(error) : "target_port must be an integer",
    );
  }
  if (field === "pod_spec")
    return invalidBody(missing ? "pod_spec is required" : "pod_spec must be a string");
  if (field === "labels" || field === "env") return invalidBody(`${field} must be an object of strings`);
  return invalidBody("does not match the schema");
}

/** What the body asks to expose: v1.1's integer, or v1.2's list. */
function exposeRequestOf(body: CreateStackBody): ExposeRequest {
  const target = body.target_port;
  return typeof target === "number"
    ? target
    : target.map((port) => ({
        containerPort: port.container_port,
        protocol: port.protocol,
        ...(port.app_protocol ? { appProtocol: port.app_protocol } : {}),
      }));
}

/** The app_protocol a v1.2 port asked for, if any. */
const requestedAppProtocol = (body: CreateStackBody, index: number) =>
  typeof body.target_port === "number" ? undefined : body.target_port[index]?.app_protocol;

/** An exposed port as the stack keeps it: named as its container port is, HTTP when asked or named so. */
function stackPortOf(port: ExposedPort, index: number, appProtocol: "tcp" | "http" | undefined): StackPort {
  if (appProtocol === "http" && port.protocol === "UDP")
    throw invalidBody(`target_port[${index}].app_protocol "http" needs protocol "TCP"`);
  const namedHttp = port.name === "http" || port.name?.startsWith("http-") === true;
  const http = port.protocol === "TCP" && (appProtocol ?? (namedHttp ? "http" : "tcp")) === "http";
  return {
    containerPort: port.containerPort,
    protocol: port.protocol,
    ...(http ? { appProtocol: "http" as const } : {}),
    ...(port.name ? { name: port.name } : {}),
  };
}

/**
 * Validates and hardens the pod spec of a schema-checked `POST /stacks` body, and checks its labels
 * and env, or throws a precise 400. The env values go into the Pod to create only, never `pod_spec`.
 */
export function newStackOf(body: CreateStackBody, policy: PodPolicy = defaultPodPolicy): NewStack {
  try {
    const sanitised = sanitizePodSpec(body.pod_spec, exposeRequestOf(body), policy);
    const labels = checkStackLabels(body.labels ?? {});
    const env = checkStackEnv(body.env ?? {}, sanitised.pod);
    return {
      manifest: withStackEnv(sanitised.pod, env) as unknown as PodManifest,
      podSpecYaml: sanitised.yaml,
      ports: sanitised.exposedPorts.map((port, index) =>
        stackPortOf(port, index, requestedAppProtocol(body, index)),
      ),
      targetPort: typeof body.target_port === "number" ? body.target_port : null,
      labels,
      requestedCpuMilli: sanitised.requestedCpuMilli,
      requestedMemoryBytes: sanitised.requestedMemoryBytes,
    };
  } catch (error) {
    if (error instanceof InvalidPodSpecError || error instanceof InvalidTargetPortError) {
      throw new AppError(error.code, error.message, { cause: error });
    }
    throw error;
  }
}
