import { describe, expect, it } from "bun:test";
import {
  keyProtocolPrefix as dashboardKeyPrefix,
  keyProtocols,
  liveProtocol,
} from "../../../src/dashboard/key-protocol.ts";
import { presentedApiKey } from "../../../src/http/auth.ts";
import * as server from "../../../src/http/live-subprotocols.ts";

const request = (path: string, headers: Record<string, string> = {}) =>
  new Request(`http://localhost${path}`, { headers });

describe("presentedApiKey", () => {
  it("reads the X-API-KEY header first", () => {
    expect(presentedApiKey(request("/stacks?api_key=b", { "x-api-key": "a" }))).toBe("a");
  });

  it("reads a key offered as a WebSocket subprotocol, whatever its characters", () => {
    const key = "k/+=:é ey";
    const protocols = keyProtocols(key);
    expect(protocols[0]).toBe(liveProtocol);
    // A subprotocol is an HTTP token: letters, digits and !#$%&'*+-.^_`|~ only.
    for (const protocol of protocols) expect(protocol).toMatch(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/);
    const offer = protocols.join(", ");
    expect(presentedApiKey(request("/ws/stacks", { "sec-websocket-protocol": offer }))).toBe(key);
  });

  it("names the subprotocols as the dashboard offers them (each side keeps its own copy)", () => {
    expect([server.liveProtocol, server.keyProtocolPrefix]).toEqual([liveProtocol, dashboardKeyPrefix]);
  });

  it("still reads the api_key query parameter, for API clients that send it", () => {
    expect(presentedApiKey(request("/healthz?api_key=c"))).toBe("c");
  });

  it("answers null without a key, or with only the stream's own subprotocol", () => {
    expect(presentedApiKey(request("/healthz"))).toBeNull();
    expect(presentedApiKey(request("/ws/stacks", { "sec-websocket-protocol": liveProtocol }))).toBeNull();
  });
});
