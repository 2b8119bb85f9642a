import { createHash, timingSafeEqual } from "node:crypto";

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Compares a presented API key with the configured one in constant time (digests have equal length). */
export function createApiKeyCheck(expected: string): (presented: string | null) => boolean {
  const expectedDigest = digest(expected);
  return (presented) => presented !== null && timingSafeEqual(digest(presented), expectedDigest);
}

/** The key a request presents: the `X-API-KEY` header, else the `api_key` query parameter. */
export function presentedApiKey(request: Request): string | null {
  const header = request.headers.get("x-api-key");
  if (header !== null && header !== "") return header;
  const query = new URL(request.url).searchParams.get("api_key");
  return query === null || query === "" ? null : query;
}
