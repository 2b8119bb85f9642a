import { randomBytes } from "node:crypto";
import { type Static, Type } from "@sinclair/typebox";
import type { StackExposure as MachineStackExposure } from "../../machines/stack.types.ts";

/**
 * How a stack is reached, as its record keeps it (absent for a `nodeport` stack, the default and the
 * only mode of stackd versions before it). Fixed at create and durable: a stack keeps its mode when
 * STACK_EXPOSURE changes, so the endpoints it was given stay true.
 *
 * - `gateway` and `edge`: every port has a hostname under the stack's unguessable one (`hostname`),
 *   reached through the shared TLS edge on `public_port`.
 * - `hostport`: the ports are host ports (`host_ports`, in port order) on the node stackd chose (`node`).
 */
export const StackExposureRecord = Type.Object(
  {
    mode: Type.Union([Type.Literal("gateway"), Type.Literal("edge"), Type.Literal("hostport")]),
    hostname: Type.Optional(
      Type.String({ description: "gateway and edge: the stack's hostname (its first port's)" }),
    ),
    public_port: Type.Optional(
      Type.Integer({ description: "gateway and edge: the port players connect to on the edge" }),
    ),
    node: Type.Optional(Type.String({ description: "hostport: the node the stack is pinned to" })),
    host_ports: Type.Optional(
      Type.Array(Type.Integer(), { description: "hostport: the host port of each exposed port" }),
    ),
  },
  { description: "how the stack is reached; absent for a NodePort stack" },
);
export type StackExposure = Static<typeof StackExposureRecord>;
// The machine's type (machines/ imports nothing from src/) must be this schema's: this fails to compile otherwise.
const exposureTypesMatch: [MachineStackExposure] extends [StackExposure]
  ? [StackExposure] extends [MachineStackExposure]
    ? true
    : never
  : never = true;
void exposureTypesMatch;

/** A stack reached through the shared TLS edge (a Gateway, or stackd's HAProxy). */
export type RoutedExposure = StackExposure & {
  mode: "gateway" | "edge";
  hostname: string;
  public_port: number;
};

export const isRouted = (exposure: StackExposure | null | undefined): exposure is RoutedExposure =>
  (exposure?.mode === "gateway" || exposure?.mode === "edge") &&
  exposure.hostname !== undefined &&
  exposure.public_port !== undefined;

/** Bits of randomness in a stack's hostname label: enough that one cannot be guessed or enumerated. */
export const slugBits = 65;
const base32 = "abcdefghijklmnopqrstuvwxyz234567";

/** A new random DNS label of 13 base-32 characters (65 bits), lower case, for a stack's hostname. */
export function newSlug(random: (bytes: number) => Uint8Array = randomBytes): string {
  const bytes = random(9);
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let slug = "";
  for (let index = 0; index < slugBits / 5; index += 1) {
    slug += base32[Number(bits & 31n)];
    bits >>= 5n;
  }
  return slug;
}

/**
 * The hostname of each exposed port: the first port answers the stack's own hostname, every other one
 * `<label>-<container port>` under the same domain (one DNS label, so that one wildcard certificate and
 * one wildcard listener serve them all).
 */
export function portHostnames(hostname: string, containerPorts: readonly number[]): string[] {
  const dot = hostname.indexOf(".");
  const label = hostname.slice(0, dot);
  const domain = hostname.slice(dot + 1);
  return containerPorts.map((port, index) => (index === 0 ? hostname : `${label}-${port}.${domain}`));
}
