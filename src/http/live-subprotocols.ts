/**
 * The live stream's WebSocket subprotocols as the server reads them: the browser offers `stackd.v1` and
 * `stackd.key.<the key in base64url>` (src/dashboard/key-protocol.ts makes them; test/unit/http/auth.test.ts
 * checks that the two sides agree). The server's own copy: the dashboard's sources are compiled into the
 * binary as text, and one file cannot be both text and a module in one bundle.
 */
export const liveProtocol = "stackd.v1";
export const keyProtocolPrefix = "stackd.key.";
