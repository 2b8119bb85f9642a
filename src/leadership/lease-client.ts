import { readlinkSync } from "node:fs";
import { hostname } from "node:os";
import type { V1Lease } from "@kubernetes/client-node";
import type { LeaseReading, LeaseWriteOutcome, ObservedLease } from "../../machines/leadership.types.ts";
import { isConflict, isNotFound, toKubeApiError } from "../kube/errors.ts";
import type { KubeTransport } from "../kube/transport.ts";
import type { Logger } from "../log/logger.ts";

/** The Lease annotation that tells followers where to send writes. */
export const leaderUrlAnnotation = "stackd.io/leader-url";
/** The Lease annotation naming the STACKD_INSTANCE it elects (two instances never share one Lease). */
export const leaseInstanceAnnotation = "stackd.io/instance";
/** The holder's host and process id: a process of the same host that no longer runs holds nothing. */
export const holderProcessAnnotation = "stackd.io/holder-process";

export interface LeaseClientOptions {
  transport: KubeTransport;
  namespace: string;
  name: string;
  identity: string;
  instance: string;
  advertiseUrl: string;
  leaseDurationMs: number;
  logger: Logger;
  /** A clock that keeps running while the process is stopped (SIGSTOP) and never jumps. */
  monotonicNow: () => number;
  /** The wall clock written into the Lease (acquireTime, renewTime). */
  wallNow: () => number;
  /** Whether a process of this host runs (by default `kill -0`). */
  processRuns?: (pid: number) => boolean;
}

/** Lease traffic never waits behind the client rate limiter's queue of ordinary requests. */
const unthrottled = { unthrottled: true } as const;

/** Kubernetes MicroTime: RFC 3339 with six fractional digits. */
const microTime = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");

/**
 * This process's pid namespace (`pid:[4026531836]`), or "" where /proc does not say: two containers
 * with the host's name (hostNetwork) but their own pid namespaces can never judge each other's pids.
 */
function pidNamespace(): string {
  try {
    return readlinkSync("/proc/self/ns/pid");
  } catch {
    return "";
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The reads and writes of one `coordination.k8s.io/v1` Lease that the leadership machine asks for: a
 * read as the machine judges it, an acquire from the version it observed (409 when another wrote first),
 * a renew that creates a Lease deleted behind its holder's back, and a release.
 */
export class LeaseClient {
  #options: LeaseClientOptions;
  #path: string;
  #holderProcess = `${hostname()}/${pidNamespace()}/${process.pid}`;
  #uid = "";

  constructor(options: LeaseClientOptions) {
    this.#options = options;
    this.#path = `/apis/coordination.k8s.io/v1/namespaces/${options.namespace}/leases`;
  }

  /** The uid the API server gave the Lease ("" until read or written). */
  uid(): string {
    return this.#uid;
  }

  async #get(): Promise<V1Lease | null> {
    try {
      return await this.#options.transport.send<V1Lease>(
        "GET",
        `${this.#path}/${this.#options.name}`,
        unthrottled,
      );
    } catch (error) {
      if (isNotFound(toKubeApiError(error))) return null;
      throw error;
    }
  }

  #observed(lease: V1Lease): ObservedLease {
    this.#uid = lease.metadata?.uid ?? this.#uid;
    const annotations = lease.metadata?.annotations ?? {};
    const holder = lease.spec?.holderIdentity ?? "";
    return {
      holder,
      version: lease.metadata?.resourceVersion ?? "",
      durationMs: (lease.spec?.leaseDurationSeconds ?? 15) * 1000,
      acquireTime: lease.spec?.acquireTime ? String(lease.spec.acquireTime) : null,
      leaderUrl: annotations[leaderUrlAnnotation] ?? null,
      instance: annotations[leaseInstanceAnnotation] ?? null,
      holderGone: holder !== "" && this.#holderIsGone(annotations[holderProcessAnnotation]),
      transitions: lease.spec?.leaseTransitions ?? 0,
    };
  }

  /**
   * The holder is a process of this host and pid namespace (not this one) that no longer runs; a holder
   * anywhere else (another pod or node) is never judged, it must let its Lease expire.
   */
  #holderIsGone(holderProcess: string | undefined): boolean {
    if (!holderProcess || holderProcess === this.#holderProcess) return false;
    const separator = holderProcess.lastIndexOf("/");
    const pid = holderProcess.slice(separator + 1);
    const place = holderProcess.slice(0, separator);
    if (separator < 0 || place !== this.#holderProcess.slice(0, this.#holderProcess.lastIndexOf("/")))
      return false;
    if (!/^\d+$/.test(pid)) return false;
    return !(this.#options.processRuns ?? processRuns)(Number(pid));
  }

  /** Reads the Lease as the machine judges it, with when the read finished. */
  async read(): Promise<LeaseReading> {
    const lease = await this.#get();
    return { lease: lease ? this.#observed(lease) : null, at: this.#options.monotonicNow() };
  }

  #record(acquiredAt: string, transitions: number, resourceVersion?: string): V1Lease {
    const { name, namespace, identity, instance, advertiseUrl, leaseDurationMs } = this.#options;
    return {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        name,
        namespace,
        ...(resourceVersion ? { resourceVersion } : {}),
        annotations: {
          [leaderUrlAnnotation]: advertiseUrl,
          [leaseInstanceAnnotation]: instance,
          [holderProcessAnnotation]: this.#holderProcess,
        },
      },
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
        acquireTime: acquiredAt as never,
        renewTime: microTime(this.#options.wallNow()) as never,
        leaseTransitions: transitions,
      },
    };
  }

  /** Creates the Lease, or updates it from the version observed: a 409 means another writer won. */
  async #write(method: "POST" | "PUT", body: V1Lease): Promise<LeaseWriteOutcome> {
    const startedAt = this.#options.monotonicNow();
    try {
      const path = method === "POST" ? this.#path : `${this.#path}/${this.#options.name}`;
      const written = await this.#options.transport.send<V1Lease>(method, path, { ...unthrottled, body });
      this.#uid = written?.metadata?.uid ?? this.#uid;
    } catch (error) {
      const failure = toKubeApiError(error);
      if (isConflict(failure) || failure.reason === "AlreadyExists") return { kind: "lost", holder: null };
      throw failure;
    }
    return { kind: "written", startedAt, finishedAt: this.#options.monotonicNow() };
  }

  async acquire(observed: ObservedLease | null): Promise<LeaseWriteOutcome> {
    const now = microTime(this.#options.wallNow());
    if (!observed) return this.#write("POST", this.#record(now, 0));
    return this.#write("PUT", this.#record(now, observed.transitions + 1, observed.version));
  }

  /** Renews this process's Lease; one deleted behind its back is created again (it still leads). */
  async renew(): Promise<LeaseWriteOutcome> {
    const current = await this.#get();
    if (!current) return this.#write("POST", this.#record(microTime(this.#options.wallNow()), 0));
    const holder = current.spec?.holderIdentity ?? "";
    if (holder !== this.#options.identity) return { kind: "lost", holder };
    const acquiredAt = String(current.spec?.acquireTime ?? microTime(this.#options.wallNow()));
    const updated = this.#record(
      acquiredAt,
      current.spec?.leaseTransitions ?? 0,
      current.metadata?.resourceVersion,
    );
    return this.#write("PUT", updated);
  }

  /** Empties the holder and shortens the lease, so that the next follower to look takes it. */
  async release(): Promise<void> {
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      try {
        const lease = await this.#get();
        if (lease?.spec?.holderIdentity !== this.#options.identity) return;
        await this.#options.transport.send("PUT", `${this.#path}/${this.#options.name}`, {
          ...unthrottled,
          body: {
            ...lease,
            spec: {
              ...lease.spec,
              holderIdentity: "",
              leaseDurationSeconds: 1,
              renewTime: microTime(this.#options.wallNow()),
            },
          },
        });
        this.#options.logger.info("released the lease", { lease: this.#options.name });
        return;
      } catch (error) {
        const failure = toKubeApiError(error);
        if (isConflict(failure) && attempt < 3) continue;
        this.#options.logger.warn("cannot release the lease; it is taken when it expires", {
          error: failure.message,
        });
        return;
      }
    }
  }
}
