/** The parts of a `metav1.Status` that stackd reads. */
export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    kind?: string;
    causes?: Array<{ reason?: string; message?: string; field?: string }>;
  };
}

/**
 * One error for every failed call to the API server: HTTP status, the Status reason and message,
 * and the original cause. Classifiers below answer "what kind of failure is this" from these facts.
 */
export class KubeApiError extends Error {
  override readonly name = "KubeApiError";
  readonly status: number;
  readonly reason: string;
  readonly details: KubeStatus["details"];

  constructor(
    status: number,
    reason: string,
    message: string,
    options: { cause?: unknown; details?: KubeStatus["details"] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.reason = reason;
    this.details = options.details;
  }

  /** Builds the error from an HTTP status and the response body (a Status object, other JSON or text). */
  static fromResponse(status: number, body: string, cause?: unknown): KubeApiError {
    const parsed = parseStatus(body);
    const reason = parsed?.reason ?? reasonForStatus(status);
    const message = parsed?.message ?? (body.trim() || `HTTP ${status}`);
    return new KubeApiError(status, reason, message, { cause, details: parsed?.details });
  }

  /** Builds the error from a Status carried inside a watch stream's ERROR event. */
  static fromStatus(statusObject: KubeStatus): KubeApiError {
    const code = statusObject.code ?? 500;
    return new KubeApiError(
      code,
      statusObject.reason ?? reasonForStatus(code),
      statusObject.message ?? `HTTP ${code}`,
      {
        details: statusObject.details,
      },
    );
  }
}

function parseStatus(body: string): KubeStatus | undefined {
  if (!body) return undefined;
  try {
    const value: unknown = JSON.parse(body);
    if (value && typeof value === "object" && (value as KubeStatus).kind === "Status")
      return value as KubeStatus;
  } catch {
    // Not JSON: the message is the text itself.
  }
  return undefined;
}

const reasonsByStatus: Record<number, string> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  409: "Conflict",
  410: "Expired",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

function reasonForStatus(status: number): string {
  return reasonsByStatus[status] ?? "Unknown";
}

/** Normalises anything a Kubernetes call can throw into a KubeApiError (network failures get status 0). */
export function toKubeApiError(error: unknown): KubeApiError {
  if (error instanceof KubeApiError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new KubeApiError(0, "NetworkError", message, { cause: error });
}

const lower = (error: KubeApiError) => error.message.toLowerCase();

export const isNotFound = (error: KubeApiError): boolean => error.status === 404;

export const isConflict = (error: KubeApiError): boolean =>
  error.status === 409 && error.reason !== "AlreadyExists";

export const isAlreadyExists = (error: KubeApiError): boolean => error.reason === "AlreadyExists";

export const isExpired = (error: KubeApiError): boolean =>
  error.status === 410 || error.reason === "Expired" || error.reason === "Gone";

export const isInvalid = (error: KubeApiError): boolean => error.status === 422 || error.reason === "Invalid";

export const isQuotaExceeded = (error: KubeApiError): boolean =>
  error.status === 403 && (lower(error).includes("exceeded quota") || lower(error).includes("failed quota"));

const limitRangePatterns = [
  /(maximum|minimum) (cpu|memory|ephemeral-storage|storage) usage per (container|pod)/,
  /max limit to request ratio per (container|pod)/,
  /must be less than or equal to (cpu|memory) limit/,
];

/** LimitRange admission (403 Forbidden) or the pod validation it triggers (422, request above a defaulted limit). */
export const isLimitRangeViolation = (error: KubeApiError): boolean =>
  (error.status === 403 || error.status === 422) &&
  limitRangePatterns.some((pattern) => pattern.test(lower(error)));

export const isNodePortAllocated = (error: KubeApiError): boolean =>
  isInvalid(error) && lower(error).includes("provided port is already allocated");

export const isNodePortOutOfRange = (error: KubeApiError): boolean =>
  isInvalid(error) && lower(error).includes("provided port is not in the valid range");

const connectionFailures: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "name not resolved",
  EAI_AGAIN: "name not resolved",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "timeout",
};

/**
 * A failure as a client may be told of it (`kubernetes unavailable: timeout`): its kind only, never the
 * API server's address or a 5xx's own words (which may name etcd's); the message keeps them for the log.
 */
export function clientSummary(error: KubeApiError): string {
  if (error.status === 429) return "throttled (HTTP 429)";
  if (error.status !== 0) return `HTTP ${error.status} ${error.reason}`;
  if (error.reason === "Timeout") return "timeout";
  if (error.reason === "TLSError") return "TLS verification failed";
  if (error.reason === "Aborted") return "request aborted";
  // The write fence's own reason ("this replica is not the leader") names nothing outside stackd.
  if (error.reason === "NotLeader") return error.message;
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return (typeof code === "string" ? connectionFailures[code] : undefined) ?? "no connection";
}

/** Network failures, throttling and server-side trouble: worth a retry with backoff. */
export const isTransient = (error: KubeApiError): boolean =>
  error.status === 0 || error.status === 429 || error.status >= 500;
