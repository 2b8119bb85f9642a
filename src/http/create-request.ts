import { Value } from "@sinclair/typebox/value";
import { AppError, invalidRequest } from "../errors/app-error.ts";
import { sanitizePodSpec } from "../podspec/sanitize-pod-spec.ts";
import type { NewStack } from "../stacks/stack-registry.ts";
import { stackModel } from "./model.ts";

function parseJson(text: string): unknown {
  if (text.trim() === "") throw invalidRequest("invalid request body: empty body, expected a JSON object");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidRequest(`invalid request body: ${(error as Error).message}`);
  }
}

function describeFirstProblem(body: unknown): string {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "expected a JSON object";
  const record = body as Record<string, unknown>;
  if (!("target_port" in record)) return "target_port is required";
  if (!("pod_spec" in record)) return "pod_spec is required";
  if (typeof record.target_port !== "number" || !Number.isInteger(record.target_port)) {
    return "target_port must be an integer";
  }
  if (typeof record.pod_spec !== "string") return "pod_spec must be a string";
  const first = Value.Errors(stackModel.createBody, body).First();
  return first ? `${first.path.slice(1) || "body"} ${first.message}` : "does not match the schema";
}

/** Turns the raw POST /stacks body into a validated, sanitised stack request, or a precise 400. */
export function parseCreateRequest(text: string): NewStack {
  const body = parseJson(text);
  if (!Value.Check(stackModel.createBody, body))
    throw invalidRequest(`invalid request body: ${describeFirstProblem(body)}`);
  try {
    const sanitised = sanitizePodSpec(body.pod_spec, body.target_port);
    return {
      pod: sanitised.pod,
      podSpecYaml: sanitised.yaml,
      targetPort: body.target_port,
      requestedCpuMilli: sanitised.requestedCpuMilli,
      requestedMemoryBytes: sanitised.requestedMemoryBytes,
    };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "INVALID_POD_SPEC" || code === "INVALID_TARGET_PORT") {
      throw new AppError(code, (error as Error).message, { cause: error });
    }
    throw error;
  }
}
