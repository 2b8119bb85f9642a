import { invalidRequest } from "../errors/app-error.ts";

/** Reads a request body as text, refusing (400) one over `limit` bytes without buffering all of it. */
export async function readBodyText(request: Request, limit: number): Promise<string> {
  return new TextDecoder("utf-8", { fatal: false }).decode(await readBodyBytes(request, limit));
}

/** Reads a request body's bytes, refusing (400) one over `limit` bytes without buffering all of it. */
export async function readBodyBytes(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  if (!request.body) return new Uint8Array();
  if (Number.isFinite(declared)) {
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.byteLength > limit) throw tooLarge(limit);
    return bytes;
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

const tooLarge = (limit: number) =>
  invalidRequest(`invalid request body: larger than the ${limit}-byte limit`);

/** Parses a request body as JSON with the contract's 400 messages (an empty body is an error, not `{}`). */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === "") throw invalidRequest("invalid request body: empty body, expected a JSON object");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidRequest(`invalid request body: ${(error as Error).message}`);
  }
}
