import { join } from "node:path";
import { clusterFiles } from "./paths.ts";

export interface ClusterPorts {
  /** The Service NodePort range, "30000-32767" unless STACKD_NODEPORT_RANGE chose another at `up`. */
  nodePortRange?: string;
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
}

export type ComponentName = "etcd" | "kube-apiserver" | "kube-controller-manager" | "kube-scheduler" | "kwok";

export interface ComponentSpec {
  name: ComponentName;
  binary: string;
  args: string[];
  /** URL whose 200 answer means the component is healthy. */
  healthUrl: string;
}

/** Start order: each component only needs the ones before it. */
export const componentOrder: ComponentName[] = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kwok",
];

/** The command line of every component of a local cluster in `dir`, listening on 127.0.0.1 only. */
export function componentSpecs(
  dir: string,
  binDir: string,
  ports: ClusterPorts,
): Record<ComponentName, ComponentSpec> {
  const files = clusterFiles(dir);
  const pki = (file: string) => join(files.pki, file);
  const etcdUrl = `http://127.0.0.1:${ports.etcdClient}`;
  const peerUrl = `http://127.0.0.1:${ports.etcdPeer}`;
  return {
    etcd: {
      name: "etcd",
      binary: join(binDir, "etcd"),
      healthUrl: `${etcdUrl}/health`,
      args: [
        "--name=stackd",
        `--data-dir=${files.etcdData}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=stackd=${peerUrl}`,
        "--unsafe-no-fsync=true",
        "--log-level=warn",
      ],
    },
    "kube-apiserver": {
      name: "kube-apiserver",
      binary: join(binDir, "kube-apiserver"),
      healthUrl: `https://127.0.0.1:${ports.apiserver}/readyz`,
      args: [
        `--etcd-servers=${etcdUrl}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        `--secure-port=${ports.apiserver}`,
        `--tls-cert-file=${pki("apiserver.crt")}`,
        `--tls-private-key-file=${pki("apiserver.key")}`,
        `--client-ca-file=${pki("ca.crt")}`,
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        `--service-account-key-file=${pki("sa.pub")}`,
        `--service-account-signing-key-file=${pki("sa.key")}`,
        "--authorization-mode=RBAC",
        "--anonymous-auth=false",
        "--service-cluster-ip-range=10.96.0.0/16",
        `--service-node-port-range=${ports.nodePortRange ?? "30000-32767"}`,
        "--endpoint-reconciler-type=none",
        // ConfigMaps skip the watch cache, so tests can get a real 410 Expired from etcd after compaction.
        "--watch-cache-sizes=configmaps#0",
        "--max-requests-inflight=1000",
        "--max-mutating-requests-inflight=500",
        // As in kubeadm, kind and managed clusters: privileged pods pass validation, so Pod Security
        // admission (not a 422) is what refuses them in a baseline namespace, and tests can prove it.
        "--allow-privileged=true",
        // pods/log reaches a node's "kubelet" (kwok) at the node's InternalIP (127.0.0.1, see fixture.ts)
        // and its status.daemonEndpoints port; kwok's self-signed certificate is not verified (no
        // --kubelet-certificate-authority), and kwok asks for no client certificate.
        "--kubelet-preferred-address-types=InternalIP",
        "--profiling=false",
        "--v=1",
      ],
    },
    "kube-controller-manager": {
      name: "kube-controller-manager",
      binary: join(binDir, "kube-controller-manager"),
      healthUrl: `https://127.0.0.1:${ports.controllerManager}/healthz`,
      args: [
        `--kubeconfig=${files.kubeconfigFor("controller-manager")}`,
        `--authentication-kubeconfig=${files.kubeconfigFor("controller-manager")}`,
        `--authorization-kubeconfig=${files.kubeconfigFor("controller-manager")}`,
        "--bind-address=127.0.0.1",
        `--secure-port=${ports.controllerManager}`,
        "--leader-elect=false",
        `--service-account-private-key-file=${pki("sa.key")}`,
        `--root-ca-file=${pki("ca.crt")}`,
        "--use-service-account-credentials=true",
        "--kube-api-qps=200",
        "--kube-api-burst=400",
        "--profiling=false",
        "--v=1",
      ],
    },
    "kube-scheduler": {
      name: "kube-scheduler",
      binary: join(binDir, "kube-scheduler"),
      healthUrl: `https://127.0.0.1:${ports.scheduler}/healthz`,
      args: [
        `--kubeconfig=${files.kubeconfigFor("scheduler")}`,
        `--authentication-kubeconfig=${files.kubeconfigFor("scheduler")}`,
        `--authorization-kubeconfig=${files.kubeconfigFor("scheduler")}`,
        "--bind-address=127.0.0.1",
        `--secure-port=${ports.scheduler}`,
        "--leader-elect=false",
        "--profiling=false",
        "--v=1",
      ],
    },
    kwok: {
      name: "kwok",
      binary: join(binDir, "kwok"),
      healthUrl: `http://127.0.0.1:${ports.kwok}/healthz`,
      args: [
        `--kubeconfig=${files.kubeconfigFor("kwok")}`,
        `--config=${files.kwokConfig}`,
        "--manage-all-nodes=false",
        "--manage-nodes-with-label-selector=type=kwok",
        "--node-lease-duration-seconds=40",
        `--server-address=127.0.0.1:${ports.kwok}`,
        // Each node's kubelet endpoint (status.daemonEndpoints) is this server, at 127.0.0.1.
        `--node-port=${ports.kwok}`,
        "--node-ip=127.0.0.1",
        "--cidr=10.244.0.0/16",
      ],
    },
  };
}
