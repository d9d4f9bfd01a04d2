{{/* The chart's name, unless overridden. */}}
{{- define "mercado.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* `<release>-<chart>` (or the release alone when it already holds the chart name). */}}
{{- define "mercado.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels every object of the release carries; `component` says which part it is. */}}
{{- define "mercado.labels" -}}
{{- $root := index . 0 -}}
helm.sh/chart: {{ printf "%s-%s" $root.Chart.Name $root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/version: {{ $root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
app.kubernetes.io/part-of: mercado
{{ include "mercado.selectorLabels" . }}
{{- end }}

{{/* The labels that select one part's pods: (list root name component). */}}
{{- define "mercado.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ index . 1 }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 2 }}
{{- end }}

{{/* Object name of one service's part: (list root service [suffix]). */}}
{{- define "mercado.serviceName" -}}
{{- $root := index . 0 -}}
{{- $parts := list (include "mercado.fullname" $root) (index . 1) -}}
{{- if gt (len .) 2 }}{{ $parts = append $parts (index . 2) }}{{ end -}}
{{- join "-" $parts | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Base URL of a service's API inside the cluster: (list root service). */}}
{{- define "mercado.serviceUrl" -}}
{{- $root := index . 0 -}}
{{- printf "http://%s:%v" (include "mercado.serviceName" .) $root.Values.serviceDefaults.api.port }}
{{- end }}

{{/* host:port of a service's gRPC API inside the cluster: (list root service). */}}
{{- define "mercado.grpcTarget" -}}
{{- $root := index . 0 -}}
{{- printf "%s:%v" (include "mercado.serviceName" (list $root (index . 1) "grpc")) $root.Values.serviceDefaults.grpc.port }}
{{- end }}

{{/* Merge `src` into `dst` in place, maps recursively; unlike sprig's merge, false, 0 and
"" in `src` win, so a service can turn off what the defaults turn on. */}}
{{- define "mercado.mergeInto" -}}
{{- $dst := index . 0 -}}
{{- range $key, $value := index . 1 }}
{{- if and (kindIs "map" $value) (kindIs "map" (get $dst $key)) }}
{{- include "mercado.mergeInto" (list (get $dst $key) $value) }}
{{- else }}
{{- $_ := set $dst $key $value }}
{{- end }}
{{- end }}
{{- end }}

{{/* The services turned on, sorted: their names as a JSON list. */}}
{{- define "mercado.enabledServices" -}}
{{- $names := list -}}
{{- range $name, $svc := .Values.services }}
{{- if ternary $svc.enabled $.Values.serviceDefaults.enabled (hasKey $svc "enabled") }}
{{- $names = append $names $name }}
{{- end }}
{{- end }}
{{- toJson $names }}
{{- end }}

{{/* A service's image: (list root name svc). */}}
{{- define "mercado.image" -}}
{{- $root := index . 0 -}}
{{- $svc := index . 2 -}}
{{- $repository := $svc.image.repository | default (printf "%s/%s" $root.Values.image.repository (index . 1)) -}}
{{- $tag := $svc.image.tag | default $root.Values.image.tag | default $root.Chart.AppVersion -}}
{{- if $root.Values.image.registry }}{{ $repository = printf "%s/%s" $root.Values.image.registry $repository }}{{ end -}}
{{- printf "%s:%s" $repository $tag }}
{{- end }}
