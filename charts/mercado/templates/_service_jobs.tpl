{{/*
When the migration Job runs. It needs the Secret the operator writes from the Database
resource, which a first install only creates with the release's ordinary objects: so
post-install then, and post-upgrade for a service new in an upgrade; for every service
whose Database already exists, pre-upgrade, so the schema is migrated before new code
rolls out.
*/}}
{{- define "mercado.service.migrationHook" -}}
{{- if not .root.Release.IsUpgrade -}}
post-install
{{- else if not .svc.database.provision -}}
pre-upgrade
{{- else if lookup "mercado.dev/v1alpha1" "Database" .root.Release.Namespace (include "mercado.serviceName" (list .root .name)) -}}
pre-upgrade
{{- else -}}
post-upgrade
{{- end }}
{{- end }}

{{/* The Alembic migration Job of one service. */}}
{{- define "mercado.service.migration" -}}
{{- $ctx := merge (dict "role" "migration" "args" (list "migrate" "--timeout" (toString .svc.migration.waitSeconds)) "resources" .svc.migration.resources) . -}}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ include "mercado.serviceName" (list .root .name "migrate") }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "mercado.labels" (list .root .name "migration") | nindent 4 }}
  annotations:
    helm.sh/hook: {{ include "mercado.service.migrationHook" . }}
    helm.sh/hook-weight: "0"
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: {{ .svc.migration.backoffLimit }}
  activeDeadlineSeconds: {{ .svc.migration.activeDeadlineSeconds }}
  template:
    {{- include "mercado.service.pod" $ctx | nindent 4 }}
{{- end }}

{{/*
Who may talk to the service's pods: its API only from the gateway, the platform's own
pods (JWKS, orders -> inventory) and the chart's tests; metrics ports only from
networkPolicies.metricsFrom. Relays, consumers and workers take nothing else.
*/}}
{{- define "mercado.service.networkPolicies" -}}
{{- $root := .root -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "mercado.serviceName" (list $root .name) }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "mercado.labels" (list $root .name "api") | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "mercado.selectorLabels" (list $root .name "api") | nindent 6 }}
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector:
            matchLabels:
              app.kubernetes.io/instance: {{ $root.Release.Name }}
              app.kubernetes.io/part-of: mercado
      ports:
        - port: http
    {{- with $root.Values.networkPolicies.metricsFrom }}
    - from:  # /metrics of the API
        {{- toYaml . | nindent 8 }}
      ports:
        - port: http
    {{- end }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "mercado.serviceName" (list $root .name "workers") }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "mercado.labels" (list $root .name "worker") | nindent 4 }}
spec:
  podSelector:
    matchExpressions:
      - {key: app.kubernetes.io/instance, operator: In, values: [{{ $root.Release.Name | quote }}]}
      - {key: app.kubernetes.io/name, operator: In, values: [{{ .name | quote }}]}
      - {key: app.kubernetes.io/component, operator: NotIn, values: [api]}
  policyTypes: [Ingress]
  {{- with $root.Values.networkPolicies.metricsFrom }}
  ingress:
    - from:
        {{- toYaml . | nindent 8 }}
      ports:
        - port: metrics
  {{- else }}
  ingress: []
  {{- end }}
{{- end }}
