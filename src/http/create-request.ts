import type { PodManifest } from "../../machines/stack.types.ts";
import { AppError, invalidRequest } from "../errors/app-error.ts";
import { InvalidPodSpecError, InvalidTargetPortError } from "../podspec/errors.ts";
import { defaultPodPolicy, type PodPolicy } from "../podspec/pod-policy.ts";
import { type ExposeRequest, sanitizePodSpec } from "../podspec/sanitize-pod-spec.ts";
import { checkStackEnv, withStackEnv } from "../podspec/stack-env.ts";
import { checkStackLabels } from "../podspec/stack-labels.ts";
import type { NewStack } from "../stacks/stack-service.ts";
import type { CreateStackBody } from "./model.ts";

/** Parses a request body as JSON with the contract's 400 messages (an empty body is an error, not `{}`). */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === "") throw invalidRequest("invalid request body: empty body, expected a JSON object");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidRequest(`invalid request body: ${(error as Error).message}`);
  }
}

/** What the body asks to expose: v1.1's integer, or v1.2's list. */
function exposeRequestOf(body: CreateStackBody): ExposeRequest {
  const target = body.target_port;
  return typeof target === "number"
    ? target
    : target.map((port) => ({ containerPort: port.container_port, protocol: port.protocol }));
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
      ports: sanitised.exposedPorts.map(({ containerPort, protocol }) => ({ containerPort, protocol })),
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
