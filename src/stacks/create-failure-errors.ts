import type { CreateFailure } from "../../machines/stack.types.ts";
import { AppError, internalError } from "../errors/app-error.ts";

/** The API error for each reason a create was given up. */
export const failureErrors: Record<CreateFailure["code"], (message: string) => AppError> = {
  limit_range: (message) => new AppError("LIMIT_RANGE_VIOLATION", `limitrange violation: ${message}`),
  quota_exceeded: (message) => new AppError("QUOTA_EXCEEDED", `resource quota exceeded: ${message}`),
  not_schedulable: (message) => new AppError("NOT_SCHEDULABLE", message),
  no_port: () => new AppError("NO_PORT_AVAILABLE", "no available nodeport"),
  invalid: (message) => new AppError("INVALID_POD_SPEC", `invalid pod spec: ${message}`),
  internal: (message) => internalError(new Error(message)),
};
