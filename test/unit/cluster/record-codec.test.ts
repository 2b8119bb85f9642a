import { describe, expect, it } from "bun:test";
import type { V1Service } from "@kubernetes/client-node";
import { expiryOf, recordAnnotations, terminalOf } from "../../../src/cluster/record-codec.ts";

const terminalAnnotation = recordAnnotations.terminal;
const ttlAnnotation = recordAnnotations.ttl;

describe("terminalOf", () => {
  const withTerminal = (text: string): V1Service => ({
    metadata: { annotations: { [terminalAnnotation]: text } },
  });

  it("reads the terminal record a leader wrote", () => {
    const record = { status: "node_deleted", reason: "node_deleted", at: "2026-11-28T21:00:00.000Z" };
    expect(terminalOf(withTerminal(JSON.stringify(record)))).toEqual(record as never);
  });

  it("ignores a record that is not JSON or names a status that is not terminal", () => {
    expect(terminalOf(withTerminal("{oops"))).toBeUndefined();
    expect(
      terminalOf(withTerminal(JSON.stringify({ status: "running", reason: "", at: "" }))),
    ).toBeUndefined();
  });
});

describe("expiryOf", () => {
  const recordExpiry = "2026-11-28T22:00:00.000Z";
  const withTtl = (text: string): V1Service => ({ metadata: { annotations: { [ttlAnnotation]: text } } });

  it("takes the expiry an extension wrote on the Service over the record's", () => {
    const extended = JSON.stringify({ ttl_expires_at: "2026-11-28T23:30:00.000Z" });
    expect(expiryOf(recordExpiry, withTtl(extended))).toBe("2026-11-28T23:30:00.000Z");
  });

  it("keeps the record's expiry when the annotation is missing, unreadable or earlier", () => {
    expect(expiryOf(recordExpiry, {})).toBe(recordExpiry);
    expect(expiryOf(recordExpiry, withTtl("{oops"))).toBe(recordExpiry);
    expect(expiryOf(recordExpiry, withTtl(JSON.stringify({ ttl_expires_at: "soon" })))).toBe(recordExpiry);
    const earlier = JSON.stringify({ ttl_expires_at: "2026-11-28T21:00:00.000Z" });
    expect(expiryOf(recordExpiry, withTtl(earlier))).toBe(recordExpiry);
  });
});
