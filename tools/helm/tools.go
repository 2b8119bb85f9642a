//go:build tools

// Package tools pins the Helm command that tools/helm.sh compiles.
package tools

import _ "helm.sh/helm/v4/cmd/helm"
