/** The key a request presents: the `X-API-KEY` header, else the `api_key` query parameter. */
export function presentedApiKey(request: Request): string | null {
  const header = request.headers.get("x-api-key");
  if (header !== null && header !== "") return header;
  const query = new URL(request.url).searchParams.get("api_key");
  return query === null || query === "" ? null : query;
}
