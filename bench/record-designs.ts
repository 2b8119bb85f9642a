import type { V1Pod, V1Service } from "@kubernetes/client-node";
import type { StackIdentity, StackStatus } from "../machines/stack.types.ts";
import { annotationsOf, recordAnnotations } from "../src/cluster/record-codec.ts";
import { stackPod, stackService } from "../src/cluster/stack-resources.ts";
import { defaultInstance } from "../src/config/config.ts";
import type { TypedKubeClient } from "../src/kube/typed-api.ts";
import { newStackRecordOf } from "../src/stacks/stack-record.ts";
import { ownedBy, type StackResource, stackResource, stacksPath } from "./stack-crd.ts";

/** One way of keeping a stack's durable record, reduced to the API calls each step makes. */
export interface RecordDesign {
  readonly label: string;
  /** A short prefix for the names of the design's objects. */
  readonly key: string;
  /** Creates the stack's objects; resolves once every create has answered. */
  create(identity: StackIdentity, nodePort: number): Promise<void>;
  /** Writes a terminal status and its reason into the record. */
  writeTerminal(identity: StackIdentity, status: StackStatus, reason: string): Promise<void>;
  /** Sends the deletes that tear the stack down; resolves once they have answered. */
  delete(identity: StackIdentity): Promise<void>;
  /** Creates what a stack keeps besides its Pod (the record, and the Service), for the list measurement. */
  createRecord(identity: StackIdentity, nodePort: number): Promise<void>;
  /** The collections of `namespace` a restarted stackd lists besides Pods, the records' collection first. */
  recordPaths(namespace: string): string[];
}

const mergePatch = "application/merge-patch+json";

/** The API calls both designs share: the Pod and Service creates and their deletes. */
function stackObjects(kube: TypedKubeClient, sanitisedPod: V1Pod, nodeRole: string) {
  const placement = { nodeRole, instance: defaultInstance };
  const base = (namespace: string) => `/api/v1/namespaces/${namespace}`;
  return {
    createPod: (identity: StackIdentity, extra: Partial<V1Pod["metadata"]> = {}) => {
      const pod = stackPod(sanitisedPod, identity, placement);
      pod.metadata = { ...pod.metadata, ...extra };
      return kube.transport.send("POST", `${base(identity.namespace)}/pods`, { body: pod });
    },
    createService: (service: V1Service) =>
      kube.transport.send("POST", `${base(service.metadata?.namespace ?? "")}/services`, { body: service }),
    deletePodAndService: (identity: StackIdentity) =>
      Promise.all([
        kube.transport.send("DELETE", `${base(identity.namespace)}/pods/${identity.podName}`),
        kube.transport.send("DELETE", `${base(identity.namespace)}/services/${identity.serviceName}`),
      ]),
  };
}

/**
 * (b), what stackd does today: Pod and Service created together, the record a JSON annotation on the
 * Service; a terminal status rewrites the annotation with the status and reason added.
 */
export function annotationDesign(kube: TypedKubeClient, sanitisedPod: V1Pod, nodeRole: string): RecordDesign {
  const objects = stackObjects(kube, sanitisedPod, nodeRole);
  const annotatedService = (identity: StackIdentity, nodePort: number) =>
    stackService(identity, [nodePort], defaultInstance);
  return {
    label: "Service annotation",
    key: "an",
    async create(identity, nodePort) {
      await Promise.all([
        objects.createPod(identity),
        objects.createService(annotatedService(identity, nodePort)),
      ]);
    },
    async writeTerminal(identity, status, reason) {
      const durable = annotationsOf(newStackRecordOf(identity, []))[recordAnnotations.record] ?? "{}";
      const record = { ...JSON.parse(durable), status, status_reason: reason };
      await kube.transport.send(
        "PATCH",
        `/api/v1/namespaces/${identity.namespace}/services/${identity.serviceName}`,
        {
          body: { metadata: { annotations: { [recordAnnotations.record]: JSON.stringify(record) } } },
          contentType: mergePatch,
        },
      );
    },
    async delete(identity) {
      await objects.deletePodAndService(identity);
    },
    async createRecord(identity, nodePort) {
      await objects.createService(annotatedService(identity, nodePort));
    },
    recordPaths: (namespace) => [`/api/v1/namespaces/${namespace}/services`],
  };
}

/**
 * (a), the candidate: a Stack resource first (its uid is needed), then Pod and Service together, both
 * owned by it and without the annotation; a terminal status is a patch of its status subresource; a
 * teardown deletes the Stack alone and leaves Pod and Service to the garbage collector.
 */
export function customResourceDesign(
  kube: TypedKubeClient,
  sanitisedPod: V1Pod,
  nodeRole: string,
): RecordDesign {
  const objects = stackObjects(kube, sanitisedPod, nodeRole);
  const createStack = (identity: StackIdentity, nodePort: number) =>
    kube.transport.send<StackResource>("POST", stacksPath(identity.namespace), {
      body: stackResource(identity, nodePort, defaultInstance),
    });
  /** The stack's Service without the record annotation, owned by its Stack. */
  const ownedService = (identity: StackIdentity, nodePort: number, stack: StackResource): V1Service => {
    const service = stackService(identity, [nodePort], defaultInstance);
    service.metadata = { ...service.metadata, annotations: {}, ownerReferences: ownedBy(stack) };
    return service;
  };
  return {
    label: "Stack custom resource",
    key: "cr",
    async create(identity, nodePort) {
      const stack = await createStack(identity, nodePort);
      await Promise.all([
        objects.createPod(identity, { ownerReferences: ownedBy(stack) }),
        objects.createService(ownedService(identity, nodePort, stack)),
      ]);
    },
    async writeTerminal(identity, status, reason) {
      await kube.transport.send("PATCH", `${stacksPath(identity.namespace)}/${identity.stackId}/status`, {
        body: { status: { phase: status, reason } },
        contentType: mergePatch,
      });
    },
    async delete(identity) {
      await kube.transport.send("DELETE", `${stacksPath(identity.namespace)}/${identity.stackId}`);
    },
    async createRecord(identity, nodePort) {
      const stack = await createStack(identity, nodePort);
      await objects.createService(ownedService(identity, nodePort, stack));
    },
    recordPaths: (namespace) => [stacksPath(namespace), `/api/v1/namespaces/${namespace}/services`],
  };
}
