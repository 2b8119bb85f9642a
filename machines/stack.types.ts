import type { ReachedEnd } from "./stack-status.ts";
import type { TtlExtensionRequest } from "./ttl-extension.ts";

/** The public statuses of a stack, as the REST API reports them; each is also a tag of the machine's states. */
export const stackStatuses = ["creating", "running", "stopped", "failed", "node_deleted"] as const;

export type StackStatus = (typeof stackStatuses)[number];

/** The sanitised Pod manifest as a plain object (src/ types it as a V1Pod); the machine only carries it. */
export type PodManifest = Record<string, unknown>;

/** What stackd knows of a stack's Pod, derived from the API server's object (or its absence). */
export interface PodFacts {
  exists: boolean;
  phase: string | null;
  nodeName: string | null;
  ready: boolean;
  /** A readable reason when the pod has failed or cannot start (image errors, non-zero exit, ...). */
  failureReason: string | null;
  /** Set while the scheduler cannot place the pod. */
  unschedulableReason: string | null;
  /** The Pod's IP, once it has one (an `edge` stack is routed to it). */
  address?: string;
}

/** One port a stack exposes through its Service: a declared container port and its protocol. */
export interface StackPort {
  containerPort: number;
  protocol: "TCP" | "UDP";
  /** "http" when the port speaks HTTP (its endpoint is a URL, its route an HTTPRoute); else plain TCP or UDP. */
  appProtocol?: "tcp" | "http" | undefined;
  /** The container port's name, when the pod spec gives one. */
  name?: string | undefined;
}

/**
 * How a stack is reached when not through NodePorts (src/exposure/stack-exposure.ts has its schema):
 * by hostname through the shared TLS edge (`gateway`, `edge`), or on host ports of one node (`hostport`).
 */
export interface StackExposure {
  mode: "gateway" | "edge" | "hostport";
  hostname?: string;
  public_port?: number;
  node?: string;
  host_ports?: number[];
}

/** Facts fixed at creation, but for `ttlExpiresAt`, which an extension moves. */
export interface StackIdentity {
  stackId: string;
  namespace: string;
  podName: string;
  serviceName: string;
  /** The exposed ports in request order; each gets its own NodePort (same index in `nodePorts`). */
  ports: StackPort[];
  /** The v1.1 request's integer `target_port`, kept for its answers; null for the v1.2 array form. */
  targetPort: number | null;
  /** The owner's labels (`labels` of the create request). */
  labels: Record<string, string>;
  podSpecYaml: string;
  createdAt: number;
  ttlExpiresAt: number;
  requestedCpuMilli: number;
  requestedMemoryBytes: number;
  /** How the stack is reached; absent for a NodePort stack. */
  exposure?: StackExposure;
}

/** Why creating a stack was given up; `code` maps to an HTTP answer in src/. */
export interface CreateFailure {
  code:
    | "limit_range"
    | "quota_exceeded"
    | "not_schedulable"
    | "no_port"
    | "invalid"
    | "unavailable"
    | "abandoned"
    | "internal";
  message: string;
}

/** Why a stack left its last state: "deleted", "ttl_expired", "node_deleted", a pod failure reason... */
export type TransitionReason = string;

export interface StackContext extends StackIdentity {
  /** One NodePort per exposed port, in the order of `ports`. */
  nodePorts: number[];
  nodeName: string | null;
  nodePublicIp: string | null;
  updatedAt: number;
  reason: TransitionReason | null;
  pod: PodFacts | null;
  /** The ExternalIP of the node the last pod event named (null when it has none). */
  podNodePublicIp: string | null;
  createFailure: CreateFailure | null;
  acknowledged: boolean;
  /** Set only while a restored stack routes to the state it was in. */
  resumeStatus: StackStatus | null;
  /** The sanitised Pod of a new stack, kept only until it is provisioned (a restored stack has none). */
  manifest: PodManifest | null;
  /**
   * False only for a new `edge` stack until its hostnames are in the edge's table (`route.ready`): such a
   * stack reads as creating, not running, until a player can reach it.
   */
  routeReady: boolean;
  /** The last `ttl.request`: its expiry being written to the Service (outcome null), or how that went. */
  expiryWrite: { request: TtlExtensionRequest; outcome: ExpiryOutcome | null } | null;
}

/** Where a restored stack picks up after a restart; absent for a new stack. */
export interface StackResume {
  status: StackStatus;
  nodeName: string | null;
  nodePublicIp: string | null;
  reason: TransitionReason | null;
  updatedAt: number;
  acknowledged: boolean;
}

export interface StackInput {
  identity: StackIdentity;
  nodePorts: number[];
  /** The sanitised Pod to create; absent for a restored stack. */
  manifest?: PodManifest;
  resume?: StackResume;
}

export type StackEvent =
  | { type: "pod.changed"; pod: PodFacts; nodePublicIp: string | null; at: number }
  | { type: "node.deleted"; nodeName: string; at: number }
  | { type: "user.delete"; at: number }
  | { type: "stack.acknowledged" }
  /** The create is given up from outside (its deadline passed, or its client went away): roll back. */
  | { type: "create.abandon"; failure: CreateFailure }
  | { type: "service.gone"; at: number }
  /** The edge routes every hostname of the stack to its Pod (sent by the edge programmer). */
  | { type: "route.ready" }
  /** The Gateway refused one of the stack's routes (Accepted=False): players cannot reach it. */
  | { type: "route.refused"; reason: string; at: number }
  /** Let the stack live `ttlMs` from `at`, within `limits` (see ttl-extension.ts). */
  | ({ type: "ttl.extend" } & TtlExtensionRequest)
  /** Raised by the machine's own TTL timer: at the expiry, or after a step towards a far one. */
  | { type: "ttl.timer" }
  /** An extension to write to the Service first: once written, the machine applies it as `ttl.extend`. */
  | ({ type: "ttl.request" } & TtlExtensionRequest)
  | { type: "xstate.done.actor.expiry"; output: ExpiryOutcome };

export interface ProvisionInput {
  identity: StackIdentity;
  nodePorts: number[];
  /** The sanitised Pod; null when it must be read back from `identity.podSpecYaml`. */
  manifest: PodManifest | null;
}

/** The stack's Pod was created (or already existed), or why the create was given up. */
export type PodOutput = { created: true } | { failure: CreateFailure };

/** The ports the Service finally got (others where the first were taken), or why the create was given up. */
export type ProvisionOutput = { nodePorts: number[] } | { failure: CreateFailure };

export interface TeardownInput {
  identity: StackIdentity;
}

export type StackOutcome =
  | { outcome: "removed"; reason: TransitionReason }
  | { outcome: "aborted"; failure: CreateFailure };

/** The terminal status a stack reached, for its Service (`recordTerminal`). */
export interface TerminalInput {
  identity: StackIdentity;
  end: ReachedEnd;
  at: number;
}

/** A new expiry for the stack's Service (`recordExpiry`). */
export interface ExpiryInput {
  identity: StackIdentity;
  expiresAt: number;
}

/** The expiry is on the Service, or why not: its Service is missing, Kubernetes is unavailable, or a bug. */
export type ExpiryOutcome =
  | { written: true }
  | { refused: "missing" | "unavailable" | "internal"; message: string };
