// Wrapper module that pins the Gateway API release whose standard-channel CRDs the local cluster
// installs (tools/cluster/gateway-api.ts copies config/crd/standard/ from it). No Go code is built.
module stackd.local/tools/gateway-api

go 1.26.0

require sigs.k8s.io/gateway-api v1.6.3
