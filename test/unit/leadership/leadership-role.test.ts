import { describe, expect, it } from "bun:test";
import { leadershipStatus, leads } from "../../../src/leadership/leadership-role.ts";

describe("leadershipStatus", () => {
  it("says single without leader election, whatever else holds", () => {
    expect(leadershipStatus({ elected: false, holdsLease: false, acting: true, leader: null })).toEqual({
      role: "single",
      leader: null,
    });
  });

  it("says taking_over while the replica holds the Lease and its actors do not run yet", () => {
    expect(leadershipStatus({ elected: true, holdsLease: true, acting: false, leader: "a" })).toEqual({
      role: "taking_over",
      leader: "a",
    });
  });

  it("says leader once the replica holding the Lease runs its actors", () => {
    expect(leadershipStatus({ elected: true, holdsLease: true, acting: true, leader: "a" }).role).toBe(
      "leader",
    );
  });

  it("says follower when another replica, or none, holds the Lease", () => {
    expect(leadershipStatus({ elected: true, holdsLease: false, acting: false, leader: "b" })).toEqual({
      role: "follower",
      leader: "b",
    });
    expect(leadershipStatus({ elected: true, holdsLease: false, acting: false, leader: null }).leader).toBe(
      null,
    );
  });

  it("says follower for a replica past its renew deadline that still runs actors (it is standing down)", () => {
    expect(leadershipStatus({ elected: true, holdsLease: false, acting: true, leader: "a" }).role).toBe(
      "follower",
    );
  });
});

describe("leads", () => {
  it.each([
    ["single", true],
    ["leader", true],
    ["taking_over", false],
    ["follower", false],
  ] as const)("is %s → %p (stackd_leader)", (role, expected) => {
    expect(leads(role)).toBe(expected);
  });
});
