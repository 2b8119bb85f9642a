import { ConfigError, loadConfig } from "./config/config.ts";
import { type HeldAddress, holdAddress } from "./http/listen.ts";
import { KubeConfigError } from "./kube/kubeconfig.ts";
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
// Imported only when asked for: it is a sixth of the start's imports.
const inspector = config.inspectUrl
  ? (await import("@statelyai/inspect")).createWebSocketInspector({ url: config.inspectUrl })
  : undefined;
if (inspector) logger.info("sending actor inspection events", { relay: config.inspectUrl });

/** Logs why start-up failed and exits with 1 (2 is for the configuration). */
function startupFailed(error: unknown): never {
  logger.error("start-up failed", { error });
  process.exit(1);
}

// Taken first: a second stackd on the same address must fail before it touches the database or the cluster.
let held: HeldAddress;
try {
  held = holdAddress(config.http.hostname, config.http.port);
} catch (error) {
  startupFailed(error);
}
/** Exit code of a replica that lost its leader lease: its supervisor starts a fresh follower. */
const lostLeadershipExitCode = 3;

const stackd = await createStackd(config, {
  logger,
  onLeadershipLost: () => {
    logger.error("lost the leader lease; exiting so that a fresh replica starts as a follower", {
      exitCode: lostLeadershipExitCode,
    });
    process.exit(lostLeadershipExitCode);
  },
  ...(inspector ? { inspect: inspector.inspect } : {}),
}).catch((error: unknown) => {
  if (error instanceof KubeConfigError) {
    // A kubeconfig that cannot be used is a configuration error, like a bad variable: exit code 2.
    logger.error("invalid kubernetes configuration", { error: error.message });
    process.exit(2);
  }
  return startupFailed(error);
});
held.release();
try {
  stackd.listen(held.port);
} catch (error) {
  await stackd.stop().catch(() => {});
  startupFailed(error);
}

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
