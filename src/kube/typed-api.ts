import {
  ApiException,
  CoreV1Api,
  createConfiguration,
  type RequestContext,
  ResponseContext,
  ServerConfiguration,
  wrapHttpLibrary,
} from "@kubernetes/client-node";
import type { KubeClient } from "./client.ts";
import { createKubeClient } from "./client.ts";
import { KubeApiError, toKubeApiError } from "./errors.ts";
import type { KubeTransport } from "./transport.ts";

/**
 * client-node's typed CoreV1 API over stackd's transport, for tests, tools and benchmarks. stackd
 * itself speaks to the API server through the transport alone: importing client-node costs about a
 * quarter of a second of every start.
 */
export interface TypedKubeClient extends KubeClient {
  core: CoreV1Api;
}

/** A KubeClient with the typed CoreV1 API beside its transport. */
export function createTypedKubeClient(options: Parameters<typeof createKubeClient>[0]): TypedKubeClient {
  return withTypedCore(createKubeClient(options));
}

export function withTypedCore(client: KubeClient): TypedKubeClient {
  return { ...client, core: createCoreV1Api(client.transport) };
}

/** A KubeApiError for anything a typed call throws, client-node's ApiException with its raw Status body included. */
export function typedApiError(error: unknown): KubeApiError {
  if (error instanceof ApiException) {
    const body = typeof error.body === "string" ? error.body : JSON.stringify(error.body ?? "");
    return KubeApiError.fromResponse(error.code, body, error);
  }
  return toKubeApiError(error);
}

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
            ? result.catch((error: unknown) => Promise.reject(typedApiError(error)))
            : result;
        } catch (error) {
          throw typedApiError(error);
        }
      };
    },
  });
}
