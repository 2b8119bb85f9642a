import { keyProtocolPrefix } from "./live-subprotocols.ts";

/** The key in a `Sec-WebSocket-Protocol` offer (`stackd.key.<base64url>`), or null. */
function subprotocolKey(offer: string | null): string | null {
  if (offer === null) return null;
  for (const protocol of offer.split(",")) {
    const trimmed = protocol.trim();
    if (trimmed.startsWith(keyProtocolPrefix) && trimmed.length > keyProtocolPrefix.length)
      return Buffer.from(trimmed.slice(keyProtocolPrefix.length), "base64url").toString("utf8");
  }
  return null;
}

/**
 * The key a request presents: the `X-API-KEY` header, else a `stackd.key.` WebSocket subprotocol (the
 * dashboard's live stream), else the `api_key` query parameter (kept for API clients that use it).
 */
export function presentedApiKey(request: Request): string | null {
  const header = request.headers.get("x-api-key");
  if (header !== null && header !== "") return header;
  const offered = subprotocolKey(request.headers.get("sec-websocket-protocol"));
  if (offered !== null) return offered;
  const query = new URL(request.url).searchParams.get("api_key");
  return query === null || query === "" ? null : query;
}
