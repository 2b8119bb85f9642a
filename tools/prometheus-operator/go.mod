// Wrapper module that pins the prometheus-operator release whose ServiceMonitor and PrometheusRule CRDs
// the tests install (tools/cluster/prometheus-operator.ts copies them from example/prometheus-operator-crd/).
// No Go code is built. The module proxy serves this release, though it does not list it.
module stackd.local/tools/prometheus-operator

go 1.26.0

require github.com/prometheus-operator/prometheus-operator v0.94.0
