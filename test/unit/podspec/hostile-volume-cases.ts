import { expect } from "bun:test";
import { accepts, type HostileCase, refuses, withContainer, withVolumes } from "./hostile-cases.ts";
import { container, podYaml } from "./pod-spec-fixtures.ts";

const configMaps = { allowConfigMaps: true };

/** One example of each volume source stackd refuses, as an author would write it. */
const refusedSources: Record<string, Record<string, unknown>> = {
  secret: { secretName: "other-tenant" },
  persistentVolumeClaim: { claimName: "other-tenant-data" },
  ephemeral: { volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"] } } },
  nfs: { server: "10.0.0.5", path: "/" },
  iscsi: { targetPortal: "10.0.0.5:3260", iqn: "iqn.2001-04.com.example:storage", lun: 0 },
  cephfs: { monitors: ["10.0.0.5:6789"] },
  rbd: { monitors: ["10.0.0.5:6789"], image: "foo" },
  fc: { targetWWNs: ["500a0982991b8dc5"], lun: 2 },
  flexVolume: { driver: "example.com/driver" },
  csi: { driver: "inline.storage.example.com" },
  gitRepo: { repository: "https://example.com/repo.git" },
  image: { reference: "registry.example.com/private:1" },
  glusterfs: { endpoints: "glusterfs-cluster", path: "kube_vol" },
  awsElasticBlockStore: { volumeID: "vol-1" },
  gcePersistentDisk: { pdName: "disk" },
  azureDisk: { diskName: "d", diskURI: "u" },
  azureFile: { secretName: "s", shareName: "x" },
  cinder: { volumeID: "v" },
  vsphereVolume: { volumePath: "[ds] v.vmdk" },
  portworxVolume: { volumeID: "v" },
  scaleIO: { gateway: "g", system: "s", secretRef: { name: "s" } },
  storageos: { volumeName: "v" },
  quobyte: { registry: "r", volume: "v" },
  flocker: { datasetName: "d" },
  photonPersistentDisk: { pdID: "p" },
};

const mount = (fields: Record<string, unknown>) =>
  podYaml({
    containers: [container({ volumeMounts: [{ name: "scratch", mountPath: "/scratch", ...fields }] })],
    spec: { volumes: [{ name: "scratch", emptyDir: {} }] },
  });

/** Volumes: emptyDir (capped), downwardAPI, and ConfigMaps when allowed; nothing from the node or the namespace. */
export const volumeCases: HostileCase[] = [
  ...Object.entries(refusedSources).map(([source, value]) =>
    refuses(
      `refuses ${source} volumes`,
      withVolumes({ name: "v", [source]: value }),
      `spec.volumes[0]: ${source} is not allowed`,
    ),
  ),
  refuses(
    "refuses configMap volumes when the operator does not allow config maps",
    withVolumes({ name: "v", configMap: { name: "c" } }),
    "spec.volumes[0]: configMap is not allowed",
  ),
  ...["secret", "clusterTrustBundle", "podCertificate"].map((source) =>
    refuses(
      `refuses projected ${source} sources`,
      withVolumes({ name: "v", projected: { sources: [{ [source]: { name: "x" } }] } }),
      `spec.volumes[0].projected.sources[0]: ${source} is not allowed`,
    ),
  ),
  refuses(
    "refuses projected configMap sources when the operator does not allow config maps",
    withVolumes({ name: "v", projected: { sources: [{ configMap: { name: "c" } }] } }),
    "spec.volumes[0].projected.sources[0]: configMap is not allowed",
  ),
  refuses(
    "refuses a projected source with two kinds",
    withVolumes({
      name: "v",
      projected: { sources: [{ configMap: { name: "c" }, downwardAPI: { items: [] } }] },
    }),
    "spec.volumes[0].projected.sources[0] must set exactly one of configMap or downwardAPI, found 2",
    configMaps,
  ),
  refuses(
    "refuses a Memory emptyDir of 100Gi",
    withVolumes({ name: "v", emptyDir: { medium: "Memory", sizeLimit: "100Gi" } }),
    'spec.volumes[0].emptyDir.sizeLimit is "100Gi", more than the limit of 256Mi',
  ),
  refuses(
    "refuses a Memory emptyDir without a sizeLimit",
    withVolumes({ name: "v", emptyDir: { medium: "Memory" } }),
    "spec.volumes[0].emptyDir with medium Memory must set a sizeLimit of at most 256Mi",
  ),
  refuses(
    "refuses a disk emptyDir over the cap",
    withVolumes({ name: "v", emptyDir: { sizeLimit: "2Gi" } }),
    'spec.volumes[0].emptyDir.sizeLimit is "2Gi", more than the limit of 1Gi',
  ),
  refuses(
    "refuses a HugePages emptyDir",
    withVolumes({ name: "v", emptyDir: { medium: "HugePages" } }),
    'spec.volumes[0].emptyDir.medium must be "" or Memory, got "HugePages"',
  ),
  refuses(
    "refuses an emptyDir sizeLimit that is not a quantity",
    withVolumes({ name: "v", emptyDir: { sizeLimit: "lots" } }),
    'spec.volumes[0].emptyDir.sizeLimit: invalid quantity "lots": expected a number such as 100m or 1Gi',
  ),
  refuses(
    "refuses a volume with two sources",
    withVolumes({ name: "v", emptyDir: {}, downwardAPI: { items: [] } }),
    "spec.volumes[0] must set exactly one of emptyDir, downwardAPI, configMap or projected, found 2",
  ),
  refuses(
    "refuses a volume name that is not a DNS label",
    withVolumes({ name: "Scratch", emptyDir: {} }),
    "spec.volumes[0].name must be a DNS label (at most 63 lowercase letters, digits and '-'), got \"Scratch\"",
  ),
  refuses(
    "refuses 21 volumes",
    withVolumes(...Array.from({ length: 21 }, (_, index) => ({ name: `v${index}`, emptyDir: {} }))),
    "spec.volumes lists 21 volumes, more than the limit of 20",
  ),
  refuses(
    "refuses a downwardAPI file path with ..",
    withVolumes({
      name: "v",
      downwardAPI: { items: [{ path: "../../etc/x", fieldRef: { fieldPath: "metadata.name" } }] },
    }),
    'spec.volumes[0].downwardAPI.items[0].path must be a relative path without "..", got "../../etc/x"',
  ),
  refuses(
    "refuses an absolute downwardAPI file path",
    withVolumes({
      name: "v",
      downwardAPI: { items: [{ path: "/etc/x", fieldRef: { fieldPath: "metadata.name" } }] },
    }),
    'spec.volumes[0].downwardAPI.items[0].path must be a relative path without "..", got "/etc/x"',
  ),
  refuses(
    "refuses a downwardAPI file of a field env may name but volumes may not",
    withVolumes({
      name: "v",
      downwardAPI: { items: [{ path: "node", fieldRef: { fieldPath: "spec.nodeName" } }] },
    }),
    'spec.volumes[0].downwardAPI.items[0].fieldRef.fieldPath must name a field of the pod itself (metadata.name, metadata.namespace, metadata.uid, metadata.labels, metadata.annotations), got "spec.nodeName"',
  ),
  refuses(
    "refuses a file mode above 0777",
    withVolumes({ name: "v", downwardAPI: { defaultMode: 0o4777 } }),
    "spec.volumes[0].downwardAPI.defaultMode must be an integer between 0 and 511, got 2559",
  ),
  refuses(
    "refuses a configMap item path with ..",
    withVolumes({ name: "v", configMap: { name: "c", items: [{ key: "k", path: "a/../../b" }] } }),
    'spec.volumes[0].configMap.items[0].path must be a relative path without "..", got "a/../../b"',
    configMaps,
  ),
  refuses(
    "refuses mountPropagation Bidirectional",
    mount({ mountPropagation: "Bidirectional" }),
    'spec.containers[0].volumeMounts[0].mountPropagation must be None, got "Bidirectional"',
  ),
  refuses(
    "refuses mountPropagation HostToContainer",
    mount({ mountPropagation: "HostToContainer" }),
    'spec.containers[0].volumeMounts[0].mountPropagation must be None, got "HostToContainer"',
  ),
  refuses(
    "refuses a subPath that steps out of the volume",
    mount({ subPath: "../../../../etc" }),
    'spec.containers[0].volumeMounts[0].subPath must be a relative path without "..", got "../../../../etc"',
  ),
  refuses(
    "refuses an absolute subPath",
    mount({ subPath: "/etc" }),
    'spec.containers[0].volumeMounts[0].subPath must be a relative path without "..", got "/etc"',
  ),
  refuses(
    "refuses subPathExpr",
    mount({ subPathExpr: "$(POD)/.." }),
    "spec.containers[0].volumeMounts[0]: subPathExpr is not allowed",
  ),
  refuses(
    "refuses recursiveReadOnly",
    mount({ readOnly: true, recursiveReadOnly: "Enabled" }),
    "spec.containers[0].volumeMounts[0]: recursiveReadOnly is not allowed",
  ),
  accepts(
    "gives an emptyDir without a sizeLimit the cap",
    withVolumes({ name: "v", emptyDir: {} }),
    (result) => expect(result.pod.spec.volumes).toEqual([{ name: "v", emptyDir: { sizeLimit: "1Gi" } }]),
  ),
  accepts(
    "gives a volume without a source a capped emptyDir, as Kubernetes would default it",
    withVolumes({ name: "v" }),
    (result) => expect(result.pod.spec.volumes).toEqual([{ name: "v", emptyDir: { sizeLimit: "1Gi" } }]),
  ),
  accepts(
    "keeps a Memory emptyDir within the cap",
    withVolumes({ name: "v", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } }),
    (result) =>
      expect(result.pod.spec.volumes).toEqual([
        { name: "v", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
      ]),
  ),
  accepts(
    "gives an emptyDir the policy's cap",
    withVolumes({ name: "v", emptyDir: {} }),
    (result) => expect(result.pod.spec.volumes).toEqual([{ name: "v", emptyDir: { sizeLimit: "2Gi" } }]),
    { maxEmptyDirBytes: 2 * 1024 ** 3 },
  ),
  accepts(
    "keeps a downwardAPI volume and a mount of it with a relative subPath",
    podYaml({
      containers: [
        container({
          volumeMounts: [
            {
              name: "facts",
              mountPath: "/etc/facts",
              subPath: "labels",
              readOnly: true,
              mountPropagation: "None",
            },
          ],
        }),
      ],
      spec: {
        volumes: [
          {
            name: "facts",
            downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] },
          },
        ],
      },
    }),
    (result) =>
      expect(result.pod.spec.volumes).toEqual([
        {
          name: "facts",
          downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] },
        },
      ]),
  ),
  accepts(
    "keeps a projected downwardAPI volume without config maps",
    withVolumes({
      name: "v",
      projected: {
        sources: [{ downwardAPI: { items: [{ path: "name", fieldRef: { fieldPath: "metadata.name" } }] } }],
      },
    }),
    (result) => expect(result.pod.spec.volumes).toHaveLength(1),
  ),
  accepts(
    "keeps a container mount of an emptyDir",
    withContainer({ volumeMounts: [{ name: "v", mountPath: "/v" }] }).replace(
      "spec:\n",
      "spec:\n  volumes:\n    - name: v\n      emptyDir: {}\n",
    ),
    (result) => expect(result.pod.spec.volumes).toEqual([{ name: "v", emptyDir: { sizeLimit: "1Gi" } }]),
  ),
];
