import type { PodManifest } from "../../machines/stack.types.ts";
import { AppError, invalidRequest } from "../errors/app-error.ts";
import { InvalidPodSpecError, InvalidTargetPortError } from "../podspec/errors.ts";
import { defaultPodPolicy, type PodPolicy } from "../podspec/pod-policy.ts";
import { sanitizePodSpec } from "../podspec/sanitize-pod-spec.ts";
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

/** Validates and hardens the pod spec of a schema-checked `POST /stacks` body, or throws a precise 400. */
export function newStackOf(body: CreateStackBody, policy: PodPolicy = defaultPodPolicy): NewStack {
  try {
    const sanitised = sanitizePodSpec(body.pod_spec, body.target_port, policy);
    return {
      manifest: sanitised.pod as unknown as PodManifest,
      podSpecYaml: sanitised.yaml,
      targetPort: body.target_port,
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
