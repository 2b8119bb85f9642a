/** A pod spec stackd refuses; the message is the 400 body's `error` text. */
export class InvalidPodSpecError extends Error {
  override readonly name = "InvalidPodSpecError";
  readonly code = "INVALID_POD_SPEC";
  readonly status = 400;
  readonly reason: string;

  constructor(reason: string, options: { cause?: unknown } = {}) {
    super(`invalid pod spec: ${reason}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
  }
}

/** A target_port that is not a port number at all, or a port list that repeats or overflows. */
export class InvalidTargetPortError extends Error {
  override readonly name = "InvalidTargetPortError";
  readonly code = "INVALID_TARGET_PORT";
  readonly status = 400;

  constructor(reason = "must be between 1 and 65535") {
    super(`invalid target_port: ${reason}`);
  }
}
