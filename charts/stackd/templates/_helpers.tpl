{{/* The objects' name: the release name when it contains "stackd" (so `stackd` as in deploy/), else "<release>-stackd". */}}
{{- define "stackd.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "stackd.namespace" -}}
{{- default .Release.Namespace .Values.namespaces.stackd -}}
{{- end -}}

{{/* Pod labels, also the selector: app.kubernetes.io/name stays "stackd", which deploy/edge's policy selects. */}}
{{- define "stackd.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "stackd.labels" -}}
{{ include "stackd.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Refuses values stackd would refuse at start, naming the value and what it takes. */}}
{{- define "stackd.validate" -}}
{{- $exposure := .Values.exposure -}}
{{- if not (has $exposure.mode (list "nodeport" "gateway" "edge" "hostport")) -}}
{{- fail (printf "exposure.mode must be nodeport, gateway, edge or hostport, got %q" $exposure.mode) -}}
{{- end -}}
{{- if and (has $exposure.mode (list "gateway" "edge")) (not $exposure.domain) -}}
{{- fail (printf "exposure.domain (STACK_EXPOSURE_DOMAIN) is required with exposure.mode=%s" $exposure.mode) -}}
{{- end -}}
{{- if and (eq $exposure.mode "gateway") (not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$" $exposure.gateway.ref)) -}}
{{- fail (printf "exposure.gateway.ref (STACK_GATEWAY) must name the Gateway as namespace/name with exposure.mode=gateway, got %q" $exposure.gateway.ref) -}}
{{- end -}}
{{- if and .Values.networkIsolation (has $exposure.mode (list "gateway" "edge")) (not $exposure.edgePeers.namespace) -}}
{{- fail (printf "exposure.edgePeers.namespace (STACK_EDGE_NAMESPACE) is required with networkIsolation and exposure.mode=%s: each stack admits ingress only from the edge's pods" $exposure.mode) -}}
{{- end -}}
{{- if and (gt (int .Values.replicas) 1) (not .Values.leaderElection.enabled) -}}
{{- fail (printf "leaderElection.enabled must be true with %d replicas: without it every replica would write" (int .Values.replicas)) -}}
{{- end -}}
{{- end -}}
