import type { KubeConnection } from "./connection.ts";
import { KubeApiError } from "./errors.ts";
import type { RateLimiter } from "./rate-limiter.ts";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface KubeRequest {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** Disable Bun's idle timeout, for long-lived watch streams. */
  stream?: boolean;
  /**
   * Skip the client rate limiter: for the leader Lease, whose renewals must not queue behind a burst
   * of creates (a 500-create burst queues ~8 s at the default QPS, close to the renew deadline).
   */
  unthrottled?: boolean;
}

interface BunTlsOptions {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized?: boolean;
  serverName?: string;
}

type BunRequestInit = RequestInit & { tls?: BunTlsOptions; timeout?: boolean };

const tlsErrorCodes = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_SIGNATURE_FAILURE",
]);

/**
 * HTTP to the API server over Bun's own fetch, which (unlike client-node's undici path under Bun)
 * honours the kubeconfig's CA, client certificate and key.
 */
/** Told of every ordinary request: its method, path, HTTP status (0 when no answer came) and seconds. */
/** Asked before each request with its method and path: a reason to refuse it, or null. */
export type WriteFence = (method: string, path: string) => string | null;

/** What `fetchUrl` takes: a fetch init, plus stream and limiter choices and a fenced view's own parts. */
export type FetchInit = RequestInit & {
  stream?: boolean;
  unthrottled?: boolean;
  /** A fenced view's fence, asked instead of the transport's own. */
  fence?: WriteFence | undefined;
  /** A fenced view's observer, told besides the transport's own. */
  alsoObserve?: RequestObserver | undefined;
};

export type RequestObserver = (method: string, path: string, status: number, seconds: number) => void;

/** How often a request throttled by the API server (429) is sent again before its 429 is returned. */
const maxThrottledRetries = 3;

/** A 429's Retry-After in ms: its seconds (1 when absent or unreadable), at most 5 s. */
export function retryAfterMs(header: string | null): number {
  const seconds = Number(header ?? "1");
  return Math.min(5, Number.isFinite(seconds) && seconds > 0 ? seconds : 1) * 1000;
}

/** How long an ordinary API request may take when the caller sets nothing else. */
export const defaultRequestTimeoutMs = 10_000;

export class KubeTransport {
  readonly server: string;
  #connection: KubeConnection;
  #tls: BunTlsOptions;

  #limiter: RateLimiter | undefined;

  #requestTimeoutMs: number;
  #observe: RequestObserver | undefined;
  #writeFence: WriteFence | undefined;
  /** Set on a fenced view: the transport every request goes through. */
  #parent: KubeTransport | undefined;

  /**
   * `limiter` throttles ordinary requests (not watch streams), like client-go's QPS and burst; each
   * ordinary request is aborted after `requestTimeoutMs` (a watch has its own silence watchdog).
   */
  constructor(connection: KubeConnection, limiter?: RateLimiter, requestTimeoutMs = defaultRequestTimeoutMs) {
    this.#connection = connection;
    this.#limiter = limiter;
    this.#requestTimeoutMs = requestTimeoutMs;
    this.server = connection.server;
    const { ca, cert, key, rejectUnauthorized, serverName } = connection.tls;
    this.#tls = {
      rejectUnauthorized,
      ...(ca ? { ca } : {}),
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
      ...(serverName ? { serverName } : {}),
    };
  }

  /** The raw response for a full URL; throws KubeApiError (status 0) only when no answer came. */
  async fetchUrl(url: string, init: FetchInit): Promise<Response> {
    // A fenced view sends through the transport it was made from, with its own fence and observer.
    if (this.#parent)
      return this.#parent.fetchUrl(url, { ...init, fence: this.#writeFence, alsoObserve: this.#observe });
    const headers = new Headers(init.headers);
    for (const [name, value] of Object.entries(await this.#connection.credentials.headers()))
      headers.set(name, value);
    if (!headers.has("accept")) headers.set("accept", "application/json");
    const { stream, unthrottled, signal, fence, alsoObserve, ...rest } = init;
    if (this.#limiter && !stream && !unthrottled) await this.#limiter.acquire();
    // Checked last, after any wait for the limiter: a leader that lost its lease meanwhile writes nothing.
    const refusal = (fence ?? this.#writeFence)?.(String(init.method ?? "GET"), new URL(url).pathname);
    if (refusal) throw new KubeApiError(0, "NotLeader", refusal);
    const deadline = stream ? undefined : AbortSignal.timeout(this.#requestTimeoutMs);
    const signals = [signal, deadline].filter((candidate): candidate is AbortSignal => Boolean(candidate));
    const requestInit: BunRequestInit = {
      ...rest,
      headers,
      tls: this.#tls,
      ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
      ...(stream ? { timeout: false } : {}),
    };
    const started = performance.now();
    const observers = stream ? [] : [this.#observe, alsoObserve];
    const observe: RequestObserver = (...args) => {
      for (const observer of observers) observer?.(...args);
    };
    try {
      const response = await fetch(url, requestInit);
      observe(
        String(init.method ?? "GET"),
        new URL(url).pathname,
        response.status,
        (performance.now() - started) / 1000,
      );
      return response;
    } catch (error) {
      observe(String(init.method ?? "GET"), new URL(url).pathname, 0, (performance.now() - started) / 1000);
      throw this.#networkError(error, url);
    }
  }

  /**
   * A transport over the same connection, rate limiter and deadline that asks `fence` before every
   * request: a reason refuses it (a KubeApiError with status 0, so callers treat it as Kubernetes
   * unavailable), null lets it through. Each stackd fences its own writes, and a client shared with
   * others (tests) is left alone.
   */
  withWriteFence(fence: WriteFence): KubeTransport {
    const fenced = new KubeTransport(this.#connection, this.#limiter, this.#requestTimeoutMs);
    fenced.#parent = this;
    fenced.#writeFence = fence;
    return fenced;
  }

  /** Sets the observer told of every ordinary request (metrics). */
  observeRequests(observe: RequestObserver): void {
    this.#observe = observe;
  }

  /** The raw response for an API path such as `/api/v1/namespaces/x/pods`. */
  request(method: HttpMethod, path: string, options: KubeRequest = {}): Promise<Response> {
    const url = new URL(this.server + path);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = {};
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
      headers["content-type"] = options.contentType ?? "application/json";
    }
    return this.fetchUrl(url.toString(), {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.stream ? { stream: true } : {}),
      ...(options.unthrottled ? { unthrottled: true } : {}),
    });
  }

  /** A JSON call: the parsed body on 2xx, else a KubeApiError built from the API server's Status. */
  async send<T>(method: HttpMethod, path: string, options: KubeRequest = {}): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const response = await this.request(method, path, options);
      const text = await response.text();
      if (response.status === 429 && attempt <= maxThrottledRetries) {
        // The API server's own flow control (APF) said "later": wait as long as it asks, then try again.
        await Bun.sleep(retryAfterMs(response.headers.get("retry-after")));
        continue;
      }
      if (!response.ok) throw KubeApiError.fromResponse(response.status, text);
      return (text ? JSON.parse(text) : undefined) as T;
    }
  }

  #networkError(error: unknown, url: string): KubeApiError {
    const code = (error as { code?: string }).code ?? "";
    const detail = error instanceof Error ? error.message : String(error);
    if (tlsErrorCodes.has(code) || /certificate|self.signed|tls/i.test(detail)) {
      return new KubeApiError(
        0,
        "TLSError",
        `TLS verification of ${this.server} failed (${code || detail}): the kubeconfig's certificate-authority does not match the API server's certificate`,
        { cause: error },
      );
    }
    if ((error as Error).name === "TimeoutError") {
      return new KubeApiError(
        0,
        "Timeout",
        `no answer from ${this.server} within ${this.#requestTimeoutMs / 1000}s`,
        {
          cause: error,
        },
      );
    }
    if ((error as Error).name === "AbortError") {
      return new KubeApiError(0, "Aborted", `request to ${url} was aborted`, { cause: error });
    }
    return new KubeApiError(0, "NetworkError", `cannot reach API server ${this.server}: ${code || detail}`, {
      cause: error,
    });
  }
}
