{{/* Labels of one server: (list root component). */}}
{{- define "infra.labels" -}}
{{- $root := index . 0 -}}
helm.sh/chart: {{ printf "%s-%s" $root.Chart.Name $root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
app.kubernetes.io/part-of: mercado-dev-infra
{{ include "infra.selectorLabels" . }}
{{- end }}

{{- define "infra.selectorLabels" -}}
app.kubernetes.io/name: {{ index . 1 }}
app.kubernetes.io/instance: {{ (index . 0).Release.Name }}
{{- end }}

{{/* A password generated once: kept from the existing Secret on upgrades. */}}
{{- define "infra.password" -}}
{{- $root := index . 0 -}}
{{- $existing := lookup "v1" "Secret" $root.Release.Namespace (index . 1) -}}
{{- if and $existing (index ($existing.data | default dict) "password") -}}
{{- index $existing.data "password" | b64dec -}}
{{- else -}}
{{- randAlphaNum 32 -}}
{{- end -}}
{{- end }}

{{/* Who may reach a server: Mercado's pods but the gateway, in any namespace. */}}
{{- define "infra.clients" -}}
- namespaceSelector: {}
  podSelector:
    matchExpressions:
      - {key: app.kubernetes.io/part-of, operator: In, values: [mercado]}
      - {key: app.kubernetes.io/component, operator: NotIn, values: [gateway]}
{{- end }}
