import { startReadingInstanceLists } from "./cluster/instance-lists.ts";
import { RuntimeClassMissingError } from "./cluster/runtime-class.ts";
import { commandLineAnswer } from "./command-line.ts";
import { ConfigError, loadConfig } from "./config/config.ts";
import { HostPortPodSecurityError } from "./exposure/host-port-pod-security.ts";
import { type HeldAddress, holdAddress } from "./http/listen.ts";
import { type ApiKeys, openApiKeys } from "./keys/api-keys.ts";
import { type KubeClient, kubeClientFromConfig } from "./kube/client.ts";
import { KubeConfigError } from "./kube/kubeconfig.ts";
import { createLogger } from "./log/logger.ts";

// --help and --version answer before anything is read or started: no configuration, no cluster.
const answer = commandLineAnswer(process.argv.slice(2));
if (answer) {
  process.stdout.write(answer.stdout);
  process.stderr.write(answer.stderr);
  process.exit(answer.exitCode);
}

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

let apiKeys: ApiKeys | null;
try {
  apiKeys = openApiKeys(config, logger);
} catch (error) {
  if (error instanceof ConfigError) {
    logger.error("invalid configuration", { variable: error.variable, error: error.message });
    process.exit(2);
  }
  throw error;
}
// Imported only when asked for: it is a sixth of the start's imports.
const inspector = config.inspectUrl
  ? (await import("@statelyai/inspect")).createWebSocketInspector({ url: config.inspectUrl })
  : undefined;
if (inspector) logger.info("sending actor inspection events", { relay: config.inspectUrl });

/** Logs why start-up failed and exits with 1 (2 is for the configuration). */
function startupFailed(error: unknown): never {
  // Another process holds this instance or this database: say so plainly, it is no crash.
  if (
    error instanceof Error &&
    "code" in error &&
    (error.code === "INSTANCE_HELD" || error.code === "DATABASE_IN_USE")
  )
    logger.error(error.message, { code: error.code });
  else logger.error("start-up failed", { error });
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

/** A kubeconfig that cannot be used is a configuration error, like a bad variable: exit code 2. */
function kubeConfigFailed(error: KubeConfigError): never {
  logger.error("invalid kubernetes configuration", { error: error.message });
  process.exit(2);
}

let kube: KubeClient;
try {
  kube = kubeClientFromConfig(config);
} catch (error) {
  if (error instanceof KubeConfigError) kubeConfigFailed(error);
  startupFailed(error);
}
// A single stackd's restore waits for these lists above all (most of a second at 10,000 stacks), so
// they start before the rest of stackd is even loaded, and that loading runs while the API server answers.
const instanceLists = config.leaderElection.enabled
  ? undefined
  : startReadingInstanceLists(kube, config.namespace, config.instance);
const { createStackd } = await import("./stackd.ts");

const stackd = await createStackd(config, {
  logger,
  kube,
  apiKeys,
  heldAddress: held,
  ...(instanceLists ? { instanceLists } : {}),
  onLeadershipLost: () => {
    logger.error("lost the leader lease; exiting so that a fresh replica starts as a follower", {
      exitCode: lostLeadershipExitCode,
    });
    process.exit(lostLeadershipExitCode);
  },
  ...(inspector ? { inspect: inspector.inspect } : {}),
}).catch((error: unknown) => {
  if (error instanceof KubeConfigError) kubeConfigFailed(error);
  if (error instanceof HostPortPodSecurityError || error instanceof RuntimeClassMissingError) {
    logger.error("invalid configuration", { variable: error.variable, error: error.message });
    process.exit(2);
  }
  return startupFailed(error);
});

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
