/** The stable codes of every failure of HAProxy's runtime API, as seen by stackd. */
export const runtimeApiErrorCodes = {
  /** The socket could not be opened, or closed before HAProxy answered. */
  EDGE_UNREACHABLE: "the runtime API did not accept the connection",
  /** HAProxy answered, but with an error instead of doing what was asked. */
  EDGE_COMMAND_REFUSED: "the runtime API refused the command",
  /** HAProxy did not finish answering in time. */
  EDGE_TIMEOUT: "the runtime API did not answer in time",
} as const;

export type RuntimeApiErrorCode = keyof typeof runtimeApiErrorCodes;

/** One failed exchange with one HAProxy runtime API: which address, which command, what HAProxy said. */
export class RuntimeApiError extends Error {
  override readonly name = "RuntimeApiError";
  readonly code: RuntimeApiErrorCode;
  readonly address: string;
  readonly command: string;
  /** HAProxy's own answer, for EDGE_COMMAND_REFUSED. */
  readonly answer: string;

  constructor(
    code: RuntimeApiErrorCode,
    details: { address: string; command: string; answer?: string; cause?: unknown },
  ) {
    const answer = details.answer?.trim() ?? "";
    super(
      `${runtimeApiErrorCodes[code]} (${details.address}, ${details.command})${answer ? `: ${answer}` : ""}`,
      details.cause === undefined ? undefined : { cause: details.cause },
    );
    this.code = code;
    this.address = details.address;
    this.command = details.command;
    this.answer = answer;
  }
}

export const isRuntimeApiError = (error: unknown): error is RuntimeApiError =>
  error instanceof RuntimeApiError;
