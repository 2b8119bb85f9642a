import { describe, expect, it } from "bun:test";
import {
  ForwardingSignatures,
  forwardedAtHeader,
  forwardedHeader,
  proposedStackIdHeader,
  replayWindowMs,
  signatureHeader,
} from "../../../src/leadership/forwarding-signature.ts";

const encoder = new TextEncoder();
const body = encoder.encode('{"target_port":80}');
const request = { method: "POST", pathAndQuery: "/stacks", body };

function replicas(start = 1_800_000_000_000) {
  let now = start;
  const of = (secret: string | null) =>
    new ForwardingSignatures({ secret: () => secret, instance: "default", now: () => now });
  return {
    follower: of("lease-uid-1"),
    leader: of("lease-uid-1"),
    advance: (ms: number) => {
      now += ms;
    },
    of,
  };
}

const signedBy = (signatures: ForwardingSignatures, stackId = "stack-0123456789abcdef") =>
  signatures.sign(request, "replica-1", stackId) as Headers;

describe("ForwardingSignatures", () => {
  it("accepts what another replica of the instance signed, once", () => {
    const { follower, leader } = replicas();
    const headers = signedBy(follower);
    expect(leader.verify({ ...request, headers })).toEqual({
      verdict: "forwarded",
      by: { replica: "replica-1", proposedStackId: "stack-0123456789abcdef" },
    });
    expect(leader.verify({ ...request, headers })).toEqual({
      verdict: "refused",
      reason: "forwarding signature used twice",
    });
  });

  it("leaves a request without forwarding headers alone", () => {
    expect(replicas().leader.verify({ ...request, headers: new Headers({ "x-api-key": "k" }) })).toEqual({
      verdict: "not forwarded",
    });
  });

  const refusedCases: Array<[string, (headers: Headers) => Partial<typeof request> | undefined]> = [
    ["another body", () => ({ body: encoder.encode('{"target_port":81}') })],
    ["another path", () => ({ pathAndQuery: "/stacks/batch-delete" })],
    ["another method", () => ({ method: "DELETE" })],
    ["another proposed id", (headers) => void headers.set(proposedStackIdHeader, "stack-ffffffffffffffff")],
    ["another sender", (headers) => void headers.set(forwardedHeader, "replica-9")],
    [
      "another time",
      (headers) => void headers.set(forwardedAtHeader, String(Number(headers.get(forwardedAtHeader)) + 1)),
    ],
    [
      "a flipped signature",
      (headers) => void headers.set(signatureHeader, `1${headers.get(signatureHeader)?.slice(1)}`),
    ],
    ["no signature", (headers) => void headers.delete(signatureHeader)],
    ["no time", (headers) => void headers.delete(forwardedAtHeader)],
  ];
  for (const [tampering, tamper] of refusedCases)
    it(`refuses a signed request with ${tampering}`, () => {
      const { follower, leader } = replicas();
      const headers = signedBy(follower);
      const changed = tamper(headers) ?? {};
      expect(leader.verify({ ...request, ...changed, headers }).verdict).toBe("refused");
    });

  it("refuses the id header alone, as a client with the API key would send it", () => {
    const headers = new Headers({ [proposedStackIdHeader]: "stack-0123456789abcdef" });
    expect(replicas().leader.verify({ ...request, headers })).toEqual({
      verdict: "refused",
      reason: "forwarding headers without a valid signature",
    });
  });

  it("refuses a signature made with another Lease's uid (another instance, or a guessed key)", () => {
    const { of, leader } = replicas();
    expect(leader.verify({ ...request, headers: signedBy(of("lease-uid-2")) }).verdict).toBe("refused");
  });

  it("refuses a signature older or newer than the replay window", () => {
    const { follower, leader, advance } = replicas();
    const old = signedBy(follower);
    advance(replayWindowMs + 1);
    expect(leader.verify({ ...request, headers: old })).toEqual({
      verdict: "refused",
      reason: "forwarding signature outside its time window",
    });
    const early = signedBy(follower);
    advance(-2 * (replayWindowMs + 1));
    expect(leader.verify({ ...request, headers: early }).verdict).toBe("refused");
  });

  it("signs nothing, and checks nothing, before the Lease's uid is known", () => {
    const { of, follower } = replicas();
    expect(of(null).sign(request, "replica-1")).toBeNull();
    expect(of(null).verify({ ...request, headers: signedBy(follower) })).toEqual({ verdict: "no key" });
  });

  it("accepts, for one replay window, a follower still signing with the uid of a Lease deleted and created again", () => {
    const { of, advance } = replicas();
    let leaseUid = "lease-uid-1";
    let now = 1_800_000_000_000;
    const leader = new ForwardingSignatures({ secret: () => leaseUid, instance: "default", now: () => now });
    const follower = of("lease-uid-1");
    expect(leader.verify({ ...request, headers: signedBy(follower) }).verdict).toBe("forwarded");
    leaseUid = "lease-uid-2";
    expect(leader.verify({ ...request, headers: signedBy(follower, "stack-0000000000000001") }).verdict).toBe(
      "forwarded",
    );
    expect(
      leader.verify({ ...request, headers: signedBy(of("lease-uid-2"), "stack-0000000000000002") }).verdict,
    ).toBe("forwarded");
    now += replayWindowMs + 1;
    advance(replayWindowMs + 1);
    expect(leader.verify({ ...request, headers: signedBy(follower, "stack-0000000000000003") })).toEqual({
      verdict: "refused",
      reason: "forwarding headers without a valid signature",
    });
  });
});
