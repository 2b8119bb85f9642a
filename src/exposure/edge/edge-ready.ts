import { type HaproxyInfo, HaproxyRuntimeApi } from "./haproxy-runtime-api.ts";
import { isRuntimeApiError } from "./runtime-api-errors.ts";

/**
 * Start check for STACK_EXPOSURE=edge: the runtime API at `address` answers `show info`. Throws an
 * Error naming the address (and HAProxy's failure as its cause) otherwise.
 */
export async function checkEdgeReady(address: string, timeoutMs = 2000): Promise<HaproxyInfo> {
  try {
    return await new HaproxyRuntimeApi({ address, timeoutMs }).showInfo();
  } catch (error) {
    const reason = isRuntimeApiError(error) ? error.code : String(error);
    throw new Error(`the edge's HAProxy runtime API at ${address} does not answer show info (${reason})`, {
      cause: error,
    });
  }
}
