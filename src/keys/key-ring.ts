import { createHash, timingSafeEqual } from "node:crypto";
import type { NamedKey } from "./key-file.ts";

const digest = (value: string): Buffer => createHash("sha256").update(value).digest();

/** Compares two digests of equal length without an early exit. */
export type DigestComparison = (a: Buffer, b: Buffer) => boolean;

interface KeyDigest {
  name: string;
  digest: Buffer;
}

/**
 * The keys valid now, held as SHA-256 digests. `match` compares a candidate's digest with every key's
 * in constant time (equal lengths, no early exit), so neither a key's bytes nor which key matched show in
 * the timing. `replace` swaps the whole set at once: a request sees the old keys or the new, never a mix.
 */
export class KeyRing {
  #keys: readonly KeyDigest[];
  readonly #equal: DigestComparison;

  constructor(keys: readonly NamedKey[], options: { equal?: DigestComparison } = {}) {
    this.#equal = options.equal ?? timingSafeEqual;
    this.#keys = KeyRing.#digests(keys);
  }

  static #digests(keys: readonly NamedKey[]): readonly KeyDigest[] {
    return keys.map(({ name, key }) => ({ name, digest: digest(key) }));
  }

  /** The name of the key the candidate is, or null. */
  match(candidate: string | null): string | null {
    if (candidate === null) return null;
    const presented = digest(candidate);
    let matched: string | null = null;
    for (const { name, digest: expected } of this.#keys) {
      if (this.#equal(presented, expected) && matched === null) matched = name;
    }
    return matched;
  }

  /** Makes exactly these keys valid. */
  replace(keys: readonly NamedKey[]): void {
    this.#keys = KeyRing.#digests(keys);
  }

  /** The names of the valid keys, in order. */
  names(): string[] {
    return this.#keys.map(({ name }) => name);
  }
}
