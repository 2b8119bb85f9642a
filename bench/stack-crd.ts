import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { V1OwnerReference } from "@kubernetes/client-node";
import { parse } from "yaml";
import type { StackIdentity } from "../machines/stack.types.ts";
import { labelsFor } from "../src/cluster/stack-resources.ts";
import type { TypedKubeClient } from "../src/kube/typed-api.ts";

export const stackApiVersion = "stackd.io/v1alpha1";

/** The collection of Stack resources in `namespace`. */
export const stacksPath = (namespace: string) => `/apis/${stackApiVersion}/namespaces/${namespace}/stacks`;

/** A Stack resource as the API server answers it (the parts the benchmark reads). */
export interface StackResource {
  metadata: { name: string; uid: string };
}

/** The candidate CRD (bench/stack-crd.yaml), in wire form: client-node's model renames fields such as `enum`. */
const stackDefinition = parse(readFileSync(join(import.meta.dir, "stack-crd.yaml"), "utf8")) as {
  metadata: { name: string };
};

/**
 * Installs the Stack CRD and waits until Stacks can be created (Established, and the new collection
 * served). Answers the milliseconds from the create until then.
 */
export async function installStackDefinition(kube: TypedKubeClient, namespace: string): Promise<number> {
  const started = performance.now();
  const path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
  await kube.transport.send("POST", path, { body: stackDefinition });
  const deadline = started + 60_000;
  for (;;) {
    const definition = await kube.transport.send<{
      status?: { conditions?: Array<{ type: string; status: string }> };
    }>("GET", `${path}/${stackDefinition.metadata.name}`);
    const established = (definition.status?.conditions ?? []).some(
      (condition) => condition.type === "Established" && condition.status === "True",
    );
    const served = established && (await kube.transport.request("GET", stacksPath(namespace))).ok;
    if (served) return performance.now() - started;
    if (performance.now() > deadline) throw new Error("the Stack CRD was not served within 60 s");
    await Bun.sleep(50);
  }
}

/** The Stack resource of one stack: the facts fixed at creation, with stackd's labels. */
export function stackResource(identity: StackIdentity, nodePort: number, instance: string) {
  return {
    apiVersion: stackApiVersion,
    kind: "Stack",
    metadata: { name: identity.stackId, labels: labelsFor(identity.stackId, instance) },
    spec: {
      createdAt: new Date(identity.createdAt).toISOString(),
      ttlExpiresAt: new Date(identity.ttlExpiresAt).toISOString(),
      targetPort: identity.targetPort,
      nodePort,
      requestedCpuMilli: identity.requestedCpuMilli,
      requestedMemoryBytes: identity.requestedMemoryBytes,
      podSpec: identity.podSpecYaml,
    },
  };
}

/** The ownerReference that makes a Pod or Service the Stack's dependent, for the garbage collector. */
export function ownedBy(stack: StackResource): V1OwnerReference[] {
  return [
    {
      apiVersion: stackApiVersion,
      kind: "Stack",
      name: stack.metadata.name,
      uid: stack.metadata.uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ];
}
