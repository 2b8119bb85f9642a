import { describe, expect, it } from "bun:test";
import type { V1EndpointSlice, V1Endpoints } from "@kubernetes/client-node";
import {
  addressesOfEndpointSlice,
  addressesOfEndpoints,
  serverHostAddress,
} from "../../../src/network/api-server-addresses.ts";

describe("addressesOfEndpointSlice", () => {
  it.each<[string, V1EndpointSlice, string[]]>([
    ["no endpoints", { addressType: "IPv4", endpoints: [] }, []],
    [
      "every endpoint, ready or not",
      {
        addressType: "IPv4",
        endpoints: [
          { addresses: ["192.0.2.10"], conditions: { ready: true } },
          { addresses: ["192.0.2.11"], conditions: { ready: false } },
        ],
      },
      ["192.0.2.10", "192.0.2.11"],
    ],
  ])("reads %s", (_, slice, expected) => {
    expect(addressesOfEndpointSlice(slice)).toEqual(expected);
  });
});

describe("addressesOfEndpoints", () => {
  it.each<[string, V1Endpoints, string[]]>([
    ["no subsets", {}, []],
    [
      "ready and not-ready addresses of every subset",
      {
        subsets: [
          { addresses: [{ ip: "192.0.2.10" }], notReadyAddresses: [{ ip: "192.0.2.12" }] },
          { addresses: [{ ip: "2001:db8::10" }] },
        ],
      },
      ["192.0.2.10", "192.0.2.12", "2001:db8::10"],
    ],
  ])("reads %s", (_, endpoints, expected) => {
    expect(addressesOfEndpoints(endpoints)).toEqual(expected);
  });
});

describe("serverHostAddress", () => {
  it.each<[string, string | undefined]>([
    ["https://10.96.0.1:443", "10.96.0.1"],
    ["https://127.0.0.1:35987", "127.0.0.1"],
    ["https://[2001:db8::1]:6443", "2001:db8::1"],
    ["https://api.example.com:6443", undefined],
    ["https://kubernetes.default.svc", undefined],
  ])("reads %s as %p", (server, expected) => {
    expect(serverHostAddress(server)).toBe(expected);
  });
});
