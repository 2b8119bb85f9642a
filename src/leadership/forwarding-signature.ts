import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** Names the replica that forwarded a request, so that it is never forwarded twice. */
export const forwardedHeader = "x-stackd-forwarded-by";
/**
 * The id a follower chooses for a create it forwards: when the leader dies before answering, the
 * follower still knows which stack to look for in the cluster.
 */
export const proposedStackIdHeader = "x-stackd-stack-id";
/** When the follower signed the request (Unix milliseconds). */
export const forwardedAtHeader = "x-stackd-forwarded-at";
/** The HMAC-SHA256 (hex) of the request's method, path, body digest, time, sender and proposed id. */
export const signatureHeader = "x-stackd-signature";

/** Every header that claims "a replica sent this": a request carrying any of them must be signed. */
export const forwardingHeaders = [forwardedHeader, proposedStackIdHeader, forwardedAtHeader, signatureHeader];

/** The form of a stack id (and so of a proposed one). */
export const stackIdPattern = /^stack-[0-9a-f]{16}$/;

/** How far a signature's time may be from this replica's clock, either way; and how long it is remembered. */
export const replayWindowMs = 5_000;

/** What a verified forwarded request says about itself. */
export interface ForwardedBy {
  replica: string;
  /** The id the follower chose for a create; undefined for other requests. */
  proposedStackId: string | undefined;
}

export type Verification =
  | { verdict: "not forwarded" }
  | { verdict: "forwarded"; by: ForwardedBy }
  | { verdict: "refused"; reason: string }
  /** This replica does not know the key yet (it has not read the Lease): the sender may retry. */
  | { verdict: "no key" };

export interface ForwardingSignatureOptions {
  /**
   * The secret every replica of the instance shares and no client can read: the uid the API server gave
   * the instance's Lease. Null until this replica has read the Lease, and always without leader election.
   */
  secret: () => string | null;
  instance: string;
  now?: () => number;
}

const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/**
 * Signs the requests a follower forwards to the leader and checks them there. The key is derived from
 * the Lease's uid and the instance, never from the API key, which every client holds. A signature is
 * accepted once, within `replayWindowMs` of its time.
 */
export class ForwardingSignatures {
  #options: ForwardingSignatureOptions;
  #now: () => number;
  /** Signatures accepted within the window, with when they may be forgotten. */
  #seen = new Map<string, number>();
  /** The last secret read, to see it change (the Lease was deleted and created again: a new uid). */
  #secret: string | null = null;
  /**
   * The secret before it, accepted for one replay window after the change: a follower reads the new
   * Lease up to a retry period after the leader wrote it, and signs with the old uid meanwhile.
   */
  #previous: { secret: string; until: number } | null = null;

  constructor(options: ForwardingSignatureOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** The headers that mark a request as forwarded by `replica`, or null while no key is known. */
  sign(
    request: { method: string; pathAndQuery: string; body: Uint8Array },
    replica: string,
    proposedStackId?: string,
  ): Headers | null {
    const key = this.#key();
    if (!key) return null;
    const at = String(this.#now());
    const headers = new Headers({ [forwardedHeader]: replica, [forwardedAtHeader]: at });
    if (proposedStackId) headers.set(proposedStackIdHeader, proposedStackId);
    const message = signedMessage(request, at, replica, proposedStackId ?? "");
    headers.set(signatureHeader, createHmac("sha256", key).update(message).digest("hex"));
    return headers;
  }

  /** Whether a request claims to be forwarded and, if so, whether its signature holds. */
  verify(request: {
    method: string;
    pathAndQuery: string;
    headers: Headers;
    body: Uint8Array;
  }): Verification {
    const { headers } = request;
    if (!forwardingHeaders.some((name) => headers.has(name))) return { verdict: "not forwarded" };
    const replica = headers.get(forwardedHeader) ?? "";
    const at = headers.get(forwardedAtHeader) ?? "";
    const signature = headers.get(signatureHeader) ?? "";
    const proposed = headers.get(proposedStackIdHeader) ?? "";
    if (replica === "" || !/^\d{1,15}$/.test(at) || !/^[0-9a-f]{64}$/.test(signature))
      return { verdict: "refused", reason: "forwarding headers without a valid signature" };
    if (proposed !== "" && !stackIdPattern.test(proposed))
      return { verdict: "refused", reason: "forwarding headers with a malformed stack id" };
    const keys = this.#verifyingKeys();
    if (keys.length === 0) return { verdict: "no key" };
    const message = signedMessage(request, at, replica, proposed);
    const given = Buffer.from(signature, "hex");
    const valid = keys.some((key) =>
      timingSafeEqual(given, createHmac("sha256", key).update(message).digest()),
    );
    if (!valid) return { verdict: "refused", reason: "forwarding headers without a valid signature" };
    const now = this.#now();
    if (Math.abs(now - Number(at)) > replayWindowMs)
      return { verdict: "refused", reason: "forwarding signature outside its time window" };
    this.#forgetOld(now);
    if (this.#seen.has(signature)) return { verdict: "refused", reason: "forwarding signature used twice" };
    this.#seen.set(signature, Number(at) + replayWindowMs);
    return { verdict: "forwarded", by: { replica, proposedStackId: proposed === "" ? undefined : proposed } };
  }

  #key(): Buffer | null {
    const secret = this.#currentSecret();
    return secret ? this.#keyOf(secret) : null;
  }

  /** The current key, and the previous one while its replay window after the change lasts. */
  #verifyingKeys(): Buffer[] {
    const current = this.#currentSecret();
    const previous = this.#previous && this.#previous.until >= this.#now() ? this.#previous.secret : null;
    return [current, previous].flatMap((secret) => (secret ? [this.#keyOf(secret)] : []));
  }

  #currentSecret(): string | null {
    const secret = this.#options.secret();
    if (secret && this.#secret && secret !== this.#secret)
      this.#previous = { secret: this.#secret, until: this.#now() + replayWindowMs };
    if (secret) this.#secret = secret;
    return secret;
  }

  #keyOf(secret: string): Buffer {
    return createHmac("sha256", secret)
      .update(`stackd write forwarding v1\n${this.#options.instance}`)
      .digest();
  }

  #forgetOld(now: number): void {
    for (const [signature, until] of this.#seen) if (until < now) this.#seen.delete(signature);
  }
}

function signedMessage(
  request: { method: string; pathAndQuery: string; body: Uint8Array },
  at: string,
  replica: string,
  proposedStackId: string,
): string {
  return [
    "v1",
    request.method.toUpperCase(),
    request.pathAndQuery,
    sha256Hex(request.body),
    at,
    replica,
    proposedStackId,
  ].join("\n");
}
