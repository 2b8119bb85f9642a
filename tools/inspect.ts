import { createInspectorServer } from "@statelyai/inspect/server";

/**
 * `bun run inspect`: the Stately inspector relay on 127.0.0.1:<port> (default 8080). Start stackd
 * with STACKD_INSPECT=ws://127.0.0.1:<port>, then open http://localhost:<port> in a browser.
 */
const port = Number(process.env.INSPECT_PORT ?? 8080);
createInspectorServer({ port, autoOpen: false });
console.error(`Stately inspector relay on ws://127.0.0.1:${port}
  1. start stackd with STACKD_INSPECT=ws://127.0.0.1:${port} (e.g. STACKD_INSPECT=true bun run dev)
  2. open http://localhost:${port} in a browser: it embeds the Stately inspector and shows every
     stack actor and the port allocator live.`);
