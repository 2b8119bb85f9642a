import type { Server } from "bun";
import type { Logger } from "../log/logger.ts";
import type { createApp } from "./app.ts";
import { bindOrFail } from "./listen.ts";

/**
 * Serves the app on an address, and stops it: first refusing new requests while in-flight ones finish
 * (up to `shutdownTimeoutMs`), then closing what is left.
 */
export function httpServer(
  app: ReturnType<typeof createApp>,
  options: { hostname: string; shutdownTimeoutMs: number; logger: Logger },
) {
  let server: Server<unknown> | undefined;
  return {
    /** Starts serving (port 0 picks a free one); throws a ListenError naming the address when it is taken. */
    listen(port: number): Server<unknown> {
      const { hostname } = options;
      // Bun's own limit would answer an oversized Content-Length with an empty 413; stackd refuses it
      // itself, from the header and before reading the body, with the contract's 400 body.
      bindOrFail(hostname, port, () =>
        app.listen({ hostname, port, reusePort: false, maxRequestBodySize: Number.MAX_SAFE_INTEGER }),
      );
      server = app.server as Server<unknown>;
      options.logger.info("listening", { url: server.url.toString() });
      return server;
    },
    async stop(): Promise<void> {
      const closing = server?.stop(false);
      await Promise.race([closing, Bun.sleep(options.shutdownTimeoutMs)]);
      await server?.stop(true);
    },
  };
}
