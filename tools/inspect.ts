import { Server } from "node:http";
import { createInspectorServer } from "@statelyai/inspect/server";

/**
 * `tools/bun.sh run inspect`: the Stately inspector relay on 127.0.0.1:<port> (default 8080;
 * INSPECT_PORT and INSPECT_HOST change them). Start stackd with STACKD_INSPECT=ws://127.0.0.1:<port>,
 * then open http://localhost:<port> in a browser.
 */
const port = Number(process.env.INSPECT_PORT ?? 8080);
const host = process.env.INSPECT_HOST ?? "127.0.0.1";

// The relay's own server listens on every interface and takes no host; it calls listen(port, callback)
// synchronously, so that one call is given the host, and listen is put back at once.
const listen = Server.prototype.listen;
Server.prototype.listen = function listenOnHost(this: Server, ...args: unknown[]) {
  const [portArgument, callback] = args as [number, () => void];
  return (listen as (port: number, hostname: string, callback: () => void) => Server).call(
    this,
    portArgument,
    host,
    callback,
  );
} as typeof listen;
try {
  createInspectorServer({ port, autoOpen: false });
} finally {
  Server.prototype.listen = listen;
}
console.error(`Stately inspector relay on ws://${host}:${port}
  1. start stackd with STACKD_INSPECT=ws://127.0.0.1:${port} (e.g. STACKD_INSPECT=true tools/bun.sh run dev)
  2. open http://localhost:${port} in a browser: it embeds the Stately inspector and shows every
     stack actor and the port allocator live.`);
