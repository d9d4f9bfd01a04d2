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
Who may talk to the service's pods: its API and its gRPC API only from the gateway, the
platform's own pods (JWKS, orders -> inventory) and the chart's tests; metrics ports only
from networkPolicies.metricsFrom. Relays, consumers and workers take nothing else.
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
      - {key: app.kubernetes.io/component, operator: NotIn, values: [api, grpc]}
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
{{- if .svc.grpc.enabled }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "mercado.serviceName" (list $root .name "grpc") }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "mercado.labels" (list $root .name "grpc") | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "mercado.selectorLabels" (list $root .name "grpc") | nindent 6 }}
  policyTypes: [Ingress]
  ingress:
    - from:  # the gateway and the other services (orders' availability check)
        - podSelector:
            matchLabels:
              app.kubernetes.io/instance: {{ $root.Release.Name }}
              app.kubernetes.io/part-of: mercado
      ports:
        - port: grpc
    {{- with $root.Values.networkPolicies.metricsFrom }}
    - from:
        {{- toYaml . | nindent 8 }}
      ports:
        - port: metrics
    {{- end }}
{{- end }}
{{- if $root.Values.networkPolicies.egress.restrict }}
---
{{ include "mercado.service.egressPolicy" . }}
{{- end }}
{{- end }}

{{/*
A Secret of random values, generated at the first install and kept on every upgrade (the
values are looked up in the cluster): (dict ctx... secret keys).
*/}}
{{- define "mercado.service.generatedSecret" -}}
{{- if has .secret (list "db" "amqp") }}
{{- fail (printf "services.%s.generatedSecrets.%s: db and amqp name the operator's Secrets" .name .secret) }}
{{- end }}
{{- $name := include "mercado.serviceName" (list .root .name .secret) -}}
{{- $existing := (lookup "v1" "Secret" .root.Release.Namespace $name).data | default dict -}}
apiVersion: v1
kind: Secret
metadata:
  name: {{ $name }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "mercado.labels" (list .root .name "secret") | nindent 4 }}
type: Opaque
data:
  {{- range $key, $spec := .keys }}
  {{- if hasKey $existing $key }}
  {{ $key }}: {{ index $existing $key }}
  {{- else }}
  {{ $key }}: {{ printf "%s%s" ($spec.prefix | default "") (randAlphaNum (int ($spec.length | default 32))) | b64enc }}
  {{- end }}
  {{- end }}
{{- end }}

{{/*
Where the service's pods may connect when networkPolicies.egress.restrict is on: DNS, the
release's own pods (other APIs: JWKS, inventory), PostgreSQL and RabbitMQ
(networkPolicies.egress.infrastructure), the trace collector (tracing.egress, when tracing)
and the service's own `egress` rules (the mail server, Stripe).
*/}}
{{- define "mercado.service.egressPolicy" -}}
{{- $root := .root -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "mercado.serviceName" (list $root .name "egress") }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "mercado.labels" (list $root .name "api") | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/instance: {{ $root.Release.Name }}
      app.kubernetes.io/name: {{ .name }}
  policyTypes: [Egress]
  egress:
    - ports:  # DNS, wherever the cluster serves it
        - {port: 53, protocol: UDP}
        - {port: 53, protocol: TCP}
    - to:
        - podSelector:
            matchLabels:
              app.kubernetes.io/instance: {{ $root.Release.Name }}
              app.kubernetes.io/part-of: mercado
    {{- with $root.Values.networkPolicies.egress.infrastructure }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- if $root.Values.tracing.enabled }}
    {{- toYaml $root.Values.tracing.egress | nindent 4 }}
    {{- end }}
    {{- with .svc.egress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end }}
