import type { OwnerLimitsConfig } from "../config/owner-limits-config.ts";
import { AppError } from "../errors/app-error.ts";

/** What one live stack holds: a place in its owner's count, and its unique key; null when not limited. */
interface Held {
  owner: string | null;
  uniqueKey: string | null;
}

/** The parts of the limits the actors keep: a live stack holds its place until it starts ending. */
export interface LiveStackSlots {
  hold(stackId: string, labels: Readonly<Record<string, string>>): void;
  release(stackId: string): void;
  clear(): void;
}

/**
 * STACK_MAX_PER_OWNER and STACK_UNIQUE_LABELS over the live stacks (docs/limits.md): how many each owner
 * has and which stack holds each unique key. The actors hold and release places (a new, restored or
 * adopted stack holds one; a stack that starts tearing down or rolling back releases it); the leader's
 * create asks `admit` in the same turn as it spawns the actor, so no two creates can pass on one place.
 * Every operation is a few map lookups.
 */
export class OwnerLimits implements LiveStackSlots {
  #ownerLabel: string | null;
  #maxPerOwner: number;
  #uniqueLabels: readonly string[];
  #required: readonly string[];
  #countByOwner = new Map<string, number>();
  #stackByKey = new Map<string, string>();
  #held = new Map<string, Held>();

  constructor(config: OwnerLimitsConfig) {
    this.#ownerLabel = config.ownerLabel;
    this.#maxPerOwner = config.maxPerOwner ?? Number.POSITIVE_INFINITY;
    this.#uniqueLabels = config.uniqueLabels;
    this.#required = [
      ...new Set([...(config.ownerLabel ? [config.ownerLabel] : []), ...config.uniqueLabels]),
    ];
  }

  /** True when any limit is configured (otherwise nothing need ask or keep it). */
  static enabled(config: OwnerLimitsConfig): boolean {
    return config.ownerLabel !== null || config.uniqueLabels.length > 0;
  }

  /**
   * Throws why a create with these labels must be refused: 400 when a limited label is missing or
   * empty, 409 (with the live stack's id) when a live stack has the same unique labels, 429 when the
   * owner has its most live stacks.
   */
  admit(labels: Readonly<Record<string, string>>): void {
    for (const name of this.#required)
      if (!labels[name]) throw new AppError("INVALID_LABELS", `invalid labels: labels.${name} is required`);
    const uniqueKey = this.#uniqueKeyOf(labels);
    const existing = uniqueKey === null ? undefined : this.#stackByKey.get(uniqueKey);
    if (existing !== undefined)
      throw new AppError("STACK_ALREADY_EXISTS", `a live stack already exists for ${uniqueKey}`, {
        fields: { stack_id: existing },
      });
    const owner = this.#ownerOf(labels);
    if (owner !== null && (this.#countByOwner.get(owner) ?? 0) >= this.#maxPerOwner)
      throw new AppError("STACK_LIMIT_REACHED", `stack limit reached for ${this.#ownerLabel}=${owner}`);
  }

  /** Counts a live stack (once, however often it is called); the first stack with a unique key keeps it. */
  hold(stackId: string, labels: Readonly<Record<string, string>>): void {
    if (this.#held.has(stackId)) return;
    const owner = this.#ownerOf(labels);
    let uniqueKey = this.#uniqueKeyOf(labels);
    if (owner !== null) this.#countByOwner.set(owner, (this.#countByOwner.get(owner) ?? 0) + 1);
    if (uniqueKey !== null && this.#stackByKey.has(uniqueKey)) uniqueKey = null;
    if (uniqueKey !== null) this.#stackByKey.set(uniqueKey, stackId);
    this.#held.set(stackId, { owner, uniqueKey });
  }

  /** Frees what a stack held; nothing when it holds nothing (already released, or never held). */
  release(stackId: string): void {
    const held = this.#held.get(stackId);
    if (!held) return;
    this.#held.delete(stackId);
    if (held.uniqueKey !== null) this.#stackByKey.delete(held.uniqueKey);
    if (held.owner === null) return;
    const count = (this.#countByOwner.get(held.owner) ?? 1) - 1;
    if (count > 0) this.#countByOwner.set(held.owner, count);
    else this.#countByOwner.delete(held.owner);
  }

  /** Forgets every stack (the actors were stopped: leadership lost, or shutdown). */
  clear(): void {
    this.#held.clear();
    this.#countByOwner.clear();
    this.#stackByKey.clear();
  }

  /** How many live stacks `owner` has. */
  countOf(owner: string): number {
    return this.#countByOwner.get(owner) ?? 0;
  }

  /** The live stack holding these unique labels' values, if any. */
  holderOf(labels: Readonly<Record<string, string>>): string | undefined {
    const uniqueKey = this.#uniqueKeyOf(labels);
    return uniqueKey === null ? undefined : this.#stackByKey.get(uniqueKey);
  }

  #ownerOf(labels: Readonly<Record<string, string>>): string | null {
    return this.#ownerLabel === null ? null : labels[this.#ownerLabel] || null;
  }

  /** `team=7,challenge=web`: label values cannot hold ',' or '=', so the key is unambiguous. */
  #uniqueKeyOf(labels: Readonly<Record<string, string>>): string | null {
    if (this.#uniqueLabels.length === 0) return null;
    let key = "";
    for (const name of this.#uniqueLabels) {
      const value = labels[name];
      if (!value) return null;
      key += key === "" ? `${name}=${value}` : `,${name}=${value}`;
    }
    return key;
  }
}
