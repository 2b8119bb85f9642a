import { describe, expect, it } from "bun:test";
import { ApiException } from "@kubernetes/client-node";
import {
  clientSummary,
  isAlreadyExists,
  isConflict,
  isExpired,
  isInvalid,
  isLimitRangeViolation,
  isNodePortAllocated,
  isNotFound,
  isQuotaExceeded,
  isTransient,
  KubeApiError,
  toKubeApiError,
} from "../../../src/kube/errors.ts";
import { retryAfterMs } from "../../../src/kube/transport.ts";
import { typedApiError } from "../../../src/kube/typed-api.ts";

const status = (code: number, reason: string, message: string) =>
  JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message });

describe("KubeApiError.fromResponse", () => {
  it("reads reason and message from a Status body", () => {
    const error = KubeApiError.fromResponse(404, status(404, "NotFound", 'pods "x" not found'));
    expect(error.status).toBe(404);
    expect(error.reason).toBe("NotFound");
    expect(error.message).toBe('pods "x" not found');
  });

  it("falls back to the HTTP status when the body is not a Status (401 has none)", () => {
    const error = KubeApiError.fromResponse(401, "");
    expect(error.reason).toBe("Unauthorized");
    expect(error.message).toBe("HTTP 401");
  });

  it("keeps a plain-text body as the message", () => {
    expect(KubeApiError.fromResponse(500, "etcd is down").message).toBe("etcd is down");
  });
});

describe("toKubeApiError", () => {
  it("converts client-node's ApiException from a typed call with its raw Status body", () => {
    const exception = new ApiException(
      409,
      "Conflict",
      status(409, "AlreadyExists", 'pods "x" already exists'),
      {},
    );
    const error = typedApiError(exception);
    expect(error.status).toBe(409);
    expect(isAlreadyExists(error)).toBe(true);
    expect(isConflict(error)).toBe(false);
  });

  it("turns a network failure into status 0, which is transient", () => {
    const error = toKubeApiError(new Error("ECONNREFUSED"));
    expect(error.status).toBe(0);
    expect(isTransient(error)).toBe(true);
  });
});

describe("classifiers", () => {
  const cases: Array<[string, KubeApiError, (error: KubeApiError) => boolean]> = [
    ["not found", KubeApiError.fromResponse(404, status(404, "NotFound", "x")), isNotFound],
    ["conflict", KubeApiError.fromResponse(409, status(409, "Conflict", "modified")), isConflict],
    ["expired (410 Expired)", KubeApiError.fromResponse(410, status(410, "Expired", "too old")), isExpired],
    ["expired (older Gone)", KubeApiError.fromResponse(410, status(410, "Gone", "too old")), isExpired],
    ["invalid", KubeApiError.fromResponse(422, status(422, "Invalid", "bad")), isInvalid],
    [
      "quota exceeded",
      KubeApiError.fromResponse(
        403,
        status(
          403,
          "Forbidden",
          'pods "p" is forbidden: exceeded quota: q, requested: requests.cpu=7, used: 0, limited: 6',
        ),
      ),
      isQuotaExceeded,
    ],
    [
      "quota that needs limits",
      KubeApiError.fromResponse(403, status(403, "Forbidden", "failed quota: q: must specify limits.cpu")),
      isQuotaExceeded,
    ],
    [
      "LimitRange maximum",
      KubeApiError.fromResponse(
        403,
        status(
          403,
          "Forbidden",
          'pods "p" is forbidden: maximum cpu usage per Container is 500m, but limit is 1',
        ),
      ),
      isLimitRangeViolation,
    ],
    [
      "LimitRange capitalised by an older release",
      KubeApiError.fromResponse(
        403,
        status(403, "Forbidden", "Maximum memory usage per Pod is 1Gi, but limit is 2Gi"),
      ),
      isLimitRangeViolation,
    ],
    [
      "request above a defaulted limit",
      KubeApiError.fromResponse(
        422,
        status(
          422,
          "Invalid",
          'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 500m',
        ),
      ),
      isLimitRangeViolation,
    ],
    [
      "NodePort taken",
      KubeApiError.fromResponse(
        422,
        status(
          422,
          "Invalid",
          "spec.ports[0].nodePort: Invalid value: 31001: provided port is already allocated",
        ),
      ),
      isNodePortAllocated,
    ],
  ];

  for (const [name, error, classifier] of cases) {
    it(`recognises ${name}`, () => {
      expect(classifier(error)).toBe(true);
    });
  }

  it("does not mistake a quota error for a LimitRange violation, or the reverse", () => {
    const quota = cases[5]?.[1] as KubeApiError;
    const limit = cases[7]?.[1] as KubeApiError;
    expect(isLimitRangeViolation(quota)).toBe(false);
    expect(isQuotaExceeded(limit)).toBe(false);
  });

  it("does not call a 422 for another field a taken NodePort", () => {
    const error = KubeApiError.fromResponse(
      422,
      status(422, "Invalid", "spec.ports[0].port: Invalid value: 0"),
    );
    expect(isNodePortAllocated(error)).toBe(false);
  });
});

describe("clientSummary", () => {
  const server = "https://10.0.0.1:6443";
  const network = (code: string) =>
    new KubeApiError(0, "NetworkError", `cannot reach API server ${server}: ${code}`, {
      cause: Object.assign(new TypeError(`${code}: Unable to connect`), { code }),
    });
  it.each([
    ["a refused connection", network("ECONNREFUSED"), "connection refused"],
    ["a reset connection", network("ECONNRESET"), "connection reset"],
    ["an unresolved name", network("ENOTFOUND"), "name not resolved"],
    ["an unknown network failure", network("EWHATEVER"), "no connection"],
    ["a timeout", new KubeApiError(0, "Timeout", `no answer from ${server} within 10s`), "timeout"],
    [
      "a TLS failure",
      new KubeApiError(0, "TLSError", `TLS verification of ${server} failed`),
      "TLS verification failed",
    ],
    [
      "throttling",
      KubeApiError.fromResponse(429, status(429, "TooManyRequests", "slow down")),
      "throttled (HTTP 429)",
    ],
    [
      "a 5xx naming etcd's address",
      KubeApiError.fromResponse(
        500,
        status(500, "InternalError", "dial tcp 10.0.0.2:2379: connection refused"),
      ),
      "HTTP 500 InternalError",
    ],
    [
      "the write fence",
      new KubeApiError(0, "NotLeader", "this replica is not the leader"),
      "this replica is not the leader",
    ],
  ])("tells %s without an address", (_, error, summary) => {
    expect(clientSummary(error)).toBe(summary);
  });
});

describe("retryAfterMs", () => {
  it.each([
    [null, 1000],
    ["2", 2000],
    ["0", 1000],
    ["soon", 1000],
    ["30", 5000],
  ])("waits for Retry-After %p as %p ms", (header, ms) => {
    expect(retryAfterMs(header)).toBe(ms);
  });
});
