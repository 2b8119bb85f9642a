/** The stable codes of every error the API can answer with, and their HTTP status. */
export const errorCodes = {
  INVALID_REQUEST: 400,
  INVALID_POD_SPEC: 400,
  INVALID_TARGET_PORT: 400,
  INVALID_LABELS: 400,
  INVALID_ENV: 400,
  INVALID_QUERY: 400,
  LIMIT_RANGE_VIOLATION: 400,
  UNAUTHORIZED: 401,
  STACK_NOT_FOUND: 404,
  JOB_NOT_FOUND: 404,
  STACK_NOT_EXTENDABLE: 409,
  STACK_ID_IN_USE: 409,
  STACK_ALREADY_EXISTS: 409,
  LOGS_NOT_AVAILABLE: 409,
  STACK_LIMIT_REACHED: 429,
  QUOTA_EXCEEDED: 503,
  NOT_SCHEDULABLE: 503,
  NO_PORT_AVAILABLE: 503,
  NO_HOST_PORT_AVAILABLE: 503,
  KUBERNETES_UNAVAILABLE: 503,
  DATABASE_UNAVAILABLE: 503,
  LEADER_UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof errorCodes;

/** Fields an error adds to its answer after `error` (for example the `stack_id` it is about). */
export type ErrorFields = Readonly<Record<string, string | number>> & { error?: never };

/**
 * An error meant for the client: its message becomes `{"error": message}` with the code's status,
 * followed by its `fields` when it has any.
 */
export class AppError extends Error {
  override readonly name = "AppError";
  readonly code: ErrorCode;
  readonly status: number;
  readonly fields: ErrorFields | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; fields?: ErrorFields } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = errorCodes[code];
    this.fields = options.fields;
  }
}

export const invalidRequest = (message: string) => new AppError("INVALID_REQUEST", message);
export const stackNotFound = () => new AppError("STACK_NOT_FOUND", "stack not found");
export const unauthorized = () => new AppError("UNAUTHORIZED", "invalid api key");
export const noPortAvailable = () => new AppError("NO_PORT_AVAILABLE", "no available nodeport");
export const noHostPortAvailable = () => new AppError("NO_HOST_PORT_AVAILABLE", "no available host port");
export const internalError = (cause: unknown) => new AppError("INTERNAL", "internal server error", { cause });
