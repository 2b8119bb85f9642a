import { createWebSocketInspector } from "@statelyai/inspect";
import { ConfigError, loadConfig } from "./config/config.ts";
import { KubeConfigError } from "./kube/connection.ts";
import { createLogger } from "./log/logger.ts";
import { createStackd } from "./stackd.ts";

const bootLogger = createLogger();

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (error instanceof ConfigError) {
    bootLogger.error("invalid configuration", { variable: error.variable, error: error.message });
    process.exit(2);
  }
  throw error;
}

const logger = createLogger({ level: config.logLevel });
const inspector = config.inspectUrl ? createWebSocketInspector({ url: config.inspectUrl }) : undefined;
if (inspector) logger.info("sending actor inspection events", { relay: config.inspectUrl });
const stackd = await createStackd(config, {
  logger,
  ...(inspector ? { inspect: inspector.inspect } : {}),
}).catch((error: unknown) => {
  if (error instanceof KubeConfigError) {
    // A kubeconfig that cannot be used is a configuration error, like a bad variable: exit code 2.
    logger.error("invalid kubernetes configuration", { error: error.message });
    process.exit(2);
  }
  logger.error("start-up failed", { error });
  process.exit(1);
});
stackd.listen();

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal });
    stackd.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error("shutdown failed", { error });
        process.exit(1);
      },
    );
  });
}
