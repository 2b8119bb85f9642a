import {
  CoreV1Api,
  createConfiguration,
  type RequestContext,
  ResponseContext,
  ServerConfiguration,
  wrapHttpLibrary,
} from "@kubernetes/client-node";
import { toKubeApiError } from "./errors.ts";
import type { KubeTransport } from "./transport.ts";

/** client-node's HTTP library contract, served by our Bun transport. */
function httpLibraryOver(transport: KubeTransport) {
  return wrapHttpLibrary({
    async send(request: RequestContext): Promise<ResponseContext> {
      const body = request.getBody();
      const signal = request.getSignal();
      const response = await transport.fetchUrl(request.getUrl(), {
        method: request.getHttpMethod(),
        headers: request.getHeaders(),
        ...(body === undefined ? {} : { body: body as BodyInit }),
        ...(signal ? { signal } : {}),
      });
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        headers[name] = value;
      });
      const bytes = Buffer.from(await response.arrayBuffer());
      return new ResponseContext(response.status, headers, {
        text: async () => bytes.toString("utf8"),
        binary: async () => bytes,
        stream: () => null,
      });
    },
  });
}

/** The typed CoreV1 API of client-node, every call going through `transport`; errors become KubeApiError. */
export function createCoreV1Api(transport: KubeTransport): CoreV1Api {
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(transport.server, {}),
    httpApi: httpLibraryOver(transport),
    authMethods: {},
  });
  return withNormalisedErrors(new CoreV1Api(configuration));
}

/** Wraps every method so that rejections are KubeApiError, whatever layer produced them. */
function withNormalisedErrors<T extends object>(api: T): T {
  return new Proxy(api, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        try {
          const result = value.apply(target, args);
          return result instanceof Promise
            ? result.catch((error: unknown) => Promise.reject(toKubeApiError(error)))
            : result;
        } catch (error) {
          throw toKubeApiError(error);
        }
      };
    },
  });
}
