import type { StackContext } from "./stack.types.ts";

/** The operator's limits on extending a stack's TTL (STACK_MAX_LIFETIME, STACK_RENEW_WINDOW); null is no limit. */
export interface LifetimeLimits {
  /** The latest a stack may expire, counted from its creation. */
  maxLifetimeMs: number | null;
  /** How long before its expiry a stack may be extended. */
  renewWindowMs: number | null;
}

/** A request to let a stack live `ttlMs` from `at` (the request's time). */
export interface TtlExtensionRequest {
  ttlMs: number;
  at: number;
  limits: LifetimeLimits;
}

/** Why an extension is refused: it would pass the stack's maximum lifetime, or it is too early to renew. */
export type ExtensionRefusal =
  | { code: "past_max_lifetime"; latestExpiresAt: number }
  | { code: "outside_renew_window"; opensAt: number };

type Lifetime = Pick<StackContext, "createdAt" | "ttlExpiresAt">;

/** The expiry an allowed extension gives: `ttlMs` from the request, never earlier than the stack's current one. */
export function extendedExpiry(stack: Lifetime, request: TtlExtensionRequest): number {
  return Math.max(stack.ttlExpiresAt, request.at + request.ttlMs);
}

/** Why the limits refuse this extension, or null when they allow it. */
export function extensionRefusal(stack: Lifetime, request: TtlExtensionRequest): ExtensionRefusal | null {
  const { maxLifetimeMs, renewWindowMs } = request.limits;
  if (maxLifetimeMs !== null && request.at + request.ttlMs > stack.createdAt + maxLifetimeMs)
    return { code: "past_max_lifetime", latestExpiresAt: stack.createdAt + maxLifetimeMs };
  if (renewWindowMs !== null && stack.ttlExpiresAt - request.at > renewWindowMs)
    return { code: "outside_renew_window", opensAt: stack.ttlExpiresAt - renewWindowMs };
  return null;
}
