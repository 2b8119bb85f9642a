/**
 * How a browser presents the API key on the live stream without putting it in the URL: as WebSocket
 * subprotocols (a browser cannot set other headers on a WebSocket). The client offers `stackd.v1` and
 * `stackd.key.<the key in base64url>`; the server selects `stackd.v1`, so the key is never echoed.
 * Base64url because a subprotocol is an HTTP token, which many keys' characters are not.
 */
export const liveProtocol = "stackd.v1";
export const keyProtocolPrefix = "stackd.key.";

/** The subprotocols that carry `key`: pass them to `new WebSocket(url, protocols)`. */
export function keyProtocols(key: string): string[] {
  let binary = "";
  for (const byte of new TextEncoder().encode(key)) binary += String.fromCharCode(byte);
  const base64url = btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
  return [liveProtocol, `${keyProtocolPrefix}${base64url}`];
}
