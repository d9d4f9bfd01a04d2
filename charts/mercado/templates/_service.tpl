{{/*
The one shared template every service is rendered from. Each define takes a context
dict: root (the chart's top context), name (the service), svc (its merged values).
*/}}

{{/* The Secret holding DATABASE_URL: the operator's, or one given. */}}
{{- define "mercado.service.databaseSecret" -}}
{{- if .svc.database.provision }}{{ include "mercado.serviceName" (list .root .name "db") }}
{{- else }}{{ required (printf "services.%s.database.existingSecret is required when database.provision is false" .name) .svc.database.existingSecret }}
{{- end }}
{{- end }}

{{/* The Secret holding AMQP_URL: the operator's, or one given. */}}
{{- define "mercado.service.messagingSecret" -}}
{{- if .svc.messaging.provision }}{{ include "mercado.serviceName" (list .root .name "amqp") }}
{{- else }}{{ required (printf "services.%s.messaging.existingSecret is required when messaging.provision is false" .name) .svc.messaging.existingSecret }}
{{- end }}
{{- end }}

{{/* The environment of every container of the service; `role` adds what it needs. */}}
{{- define "mercado.service.env" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "mercado.service.databaseSecret" . }}
      key: DATABASE_URL
- name: AMQP_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "mercado.service.messagingSecret" . }}
      key: AMQP_URL
{{- if eq .role "api" }}
- name: HTTP_HOST
  value: "0.0.0.0"
- name: HTTP_PORT
  value: {{ .svc.api.port | quote }}
- name: WEB_CONCURRENCY
  value: {{ .svc.api.webConcurrency | quote }}
{{- else if ne .role "migration" }}
{{- if eq .role "grpc" }}
- name: GRPC_HOST
  value: "0.0.0.0"
- name: GRPC_PORT
  value: {{ .svc.grpc.port | quote }}
- name: GRPC_THREADS
  value: {{ .svc.grpc.threads | quote }}
{{- end }}
- name: METRICS_PORT
  value: {{ .svc.metricsPort | quote }}
{{- end }}
{{- with .root.Values.tracing }}{{ if .enabled }}
- name: OTEL_SERVICE_NAME
  value: {{ $.name | quote }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ .endpoint | quote }}
- name: OTEL_TRACES_SAMPLER
  value: {{ .sampler | quote }}
- name: OTEL_TRACES_SAMPLER_ARG
  value: {{ .samplerArg | quote }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ printf "service.namespace=mercado,k8s.namespace.name=%s,mercado.release=%s" $.root.Release.Namespace $.root.Release.Name | quote }}
{{- end }}{{ end }}
{{- range $key, $value := .svc.env }}
- name: {{ $key }}
  value: {{ tpl (toString $value) $.root | quote }}
{{- end }}
{{- range $key, $ref := .svc.secretEnv }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef:
      {{- if and $ref.generated $ref.secretName }}
      {{- fail (printf "services.%s.secretEnv.%s: secretName or generated, not both" $.name $key) }}
      {{- else if $ref.generated }}
      {{- if not (hasKey $.svc.generatedSecrets $ref.generated) }}
      {{- fail (printf "services.%s.secretEnv.%s: no generatedSecrets.%s" $.name $key $ref.generated) }}
      {{- end }}
      name: {{ include "mercado.serviceName" (list $.root $.name $ref.generated) }}
      {{- else }}
      name: {{ $ref.secretName }}
      {{- end }}
      key: {{ $ref.key }}
{{- end }}
{{- end }}

{{/* A pod of the service: (dict ctx... role args resources ports probes). */}}
{{- define "mercado.service.pod" -}}
metadata:
  labels:
    {{- include "mercado.labels" (list .root .name .role) | nindent 4 }}
    {{- with .svc.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with .svc.podAnnotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  serviceAccountName: {{ include "mercado.serviceName" (list .root .name) }}
  automountServiceAccountToken: false
  {{- with .root.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- if eq .role "migration" }}
  restartPolicy: Never
  {{- end }}
  {{- if and (eq .role "api") .svc.api.drainSeconds }}
  # the drain, then gunicorn's graceful stop (20 s), then a margin
  terminationGracePeriodSeconds: {{ add .svc.api.drainSeconds 25 }}
  {{- end }}
  securityContext:
    {{- toYaml .svc.podSecurityContext | nindent 4 }}
  containers:
    - name: {{ .role }}
      image: {{ include "mercado.image" (list .root .name .svc) }}
      imagePullPolicy: {{ .root.Values.image.pullPolicy }}
      {{- if and (eq .role "api") .svc.api.devReload }}
      # the dev loop: plain gunicorn restarts its workers on edited files (skaffold syncs them)
      command: [gunicorn]
      args: [--reload, --bind, "0.0.0.0:{{ .svc.api.port }}", --workers, "1", --worker-class, gthread, --threads, "4", {{ printf "mercado_platform.wsgi:app(%q)" .name | quote }}]
      {{- else }}
      command: [mercado-{{ .name }}]
      args: {{ toJson .args }}
      {{- end }}
      env:
        {{- include "mercado.service.env" . | nindent 8 }}
      {{- if eq .role "api" }}
      ports:
        - name: http
          containerPort: {{ .svc.api.port }}
      {{- if .svc.api.drainSeconds }}
      lifecycle:
        preStop:
          sleep: {seconds: {{ .svc.api.drainSeconds }}}
      {{- end }}
      readinessProbe:
        httpGet: {path: /readyz, port: http}
        periodSeconds: 10
        timeoutSeconds: 5
        failureThreshold: 3
      livenessProbe:
        httpGet: {path: /healthz, port: http}
        initialDelaySeconds: 10
        periodSeconds: 20
        timeoutSeconds: 5
      {{- else if eq .role "grpc" }}
      ports:
        - name: grpc
          containerPort: {{ .svc.grpc.port }}
        - name: metrics
          containerPort: {{ .svc.metricsPort }}
      # grpc.health.v1: SERVING while its database and broker answer (as /readyz)
      readinessProbe:
        grpc: {port: {{ .svc.grpc.port }}}
        periodSeconds: 10
        timeoutSeconds: 5
        failureThreshold: 3
      livenessProbe:
        tcpSocket: {port: grpc}
        initialDelaySeconds: 10
        periodSeconds: 20
        timeoutSeconds: 5
      {{- else if ne .role "migration" }}
      ports:
        - name: metrics
          containerPort: {{ .svc.metricsPort }}
      {{- end }}
      securityContext:
        {{- toYaml .svc.securityContext | nindent 8 }}
      resources:
        {{- toYaml .resources | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
  volumes:
    - name: tmp  # gunicorn's heartbeat files; the root file system is read-only
      emptyDir: {}
  {{- with .svc.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .svc.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .svc.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}

{{/* A Deployment of one role: (dict ctx... role args replicas resources objectName). */}}
{{- define "mercado.service.deployment" -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .objectName }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "mercado.labels" (list .root .name .role) | nindent 4 }}
spec:
  {{- if not (and (eq .role "api") .svc.api.autoscaling.enabled) }}
  replicas: {{ .replicas }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "mercado.selectorLabels" (list .root .name .role) | nindent 6 }}
  template:
    {{- include "mercado.service.pod" . | nindent 4 }}
{{- end }}

{{/* Everything one service consists of. */}}
{{- define "mercado.service" -}}
{{- $ctx := . -}}
{{- $root := .root -}}
{{- $base := include "mercado.serviceName" (list $root .name) -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $base }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "mercado.labels" (list $root .name "api") | nindent 4 }}
automountServiceAccountToken: false
---
{{ include "mercado.service.deployment" (merge (dict "role" "api" "args" (list "serve") "replicas" .svc.api.replicas "resources" .svc.api.resources "objectName" $base) $ctx) }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $base }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "mercado.labels" (list $root .name "api") | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "mercado.selectorLabels" (list $root .name "api") | nindent 4 }}
  ports:
    - name: http
      port: {{ .svc.api.port }}
      targetPort: http
{{- if .svc.grpc.enabled }}
---
{{ include "mercado.service.deployment" (merge (dict "role" "grpc" "args" (list "grpc") "replicas" .svc.grpc.replicas "resources" .svc.grpc.resources "objectName" (printf "%s-grpc" $base)) $ctx) }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $base }}-grpc
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "mercado.labels" (list $root .name "grpc") | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "mercado.selectorLabels" (list $root .name "grpc") | nindent 4 }}
  ports:
    - name: grpc
      port: {{ .svc.grpc.port }}
      targetPort: grpc
      appProtocol: kubernetes.io/h2c
{{- end }}
{{- if .svc.relay.enabled }}
---
{{ include "mercado.service.deployment" (merge (dict "role" "relay" "args" (list "relay") "replicas" .svc.relay.replicas "resources" .svc.relay.resources "objectName" (printf "%s-relay" $base)) $ctx) }}
{{- end }}
{{- if and .svc.consumer.enabled .svc.messaging.queues }}
---
{{ include "mercado.service.deployment" (merge (dict "role" "consumer" "args" (list "consume") "replicas" .svc.consumer.replicas "resources" .svc.consumer.resources "objectName" (printf "%s-consumer" $base)) $ctx) }}
{{- end }}
{{- range $worker, $spec := .svc.workers }}
---
{{ include "mercado.service.deployment" (merge (dict "role" $worker "args" $spec.args "replicas" ($spec.replicas | default 1) "resources" ($spec.resources | default $ctx.svc.relay.resources) "objectName" (printf "%s-%s" $base $worker)) $ctx) }}
{{- end }}
{{- if .svc.api.podDisruptionBudget.enabled }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $base }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "mercado.labels" (list $root .name "api") | nindent 4 }}
spec:
  maxUnavailable: {{ .svc.api.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "mercado.selectorLabels" (list $root .name "api") | nindent 6 }}
{{- end }}
{{- if .svc.api.autoscaling.enabled }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ $base }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "mercado.labels" (list $root .name "api") | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $base }}
  minReplicas: {{ .svc.api.autoscaling.minReplicas }}
  maxReplicas: {{ .svc.api.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .svc.api.autoscaling.targetCPUUtilizationPercentage }}
{{- end }}
{{- if .svc.database.provision }}
---
apiVersion: mercado.dev/v1alpha1
kind: Database
metadata:
  name: {{ $base }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "mercado.labels" (list $root .name "database") | nindent 4 }}
spec:
  database: {{ .svc.database.name | default .name | replace "-" "_" }}
  owner: {{ .svc.database.name | default .name | replace "-" "_" }}
  {{- with .svc.database.extensions }}
  extensions:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  serverSecretRef:
    name: {{ $root.Values.infrastructure.postgres.adminSecret }}
    key: uri
  secretName: {{ include "mercado.service.databaseSecret" $ctx }}
  deletionPolicy: {{ $root.Values.infrastructure.deletionPolicy }}
{{- end }}
{{- if .svc.messaging.provision }}
---
apiVersion: mercado.dev/v1alpha1
kind: MessagingTopology
metadata:
  name: {{ $base }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "mercado.labels" (list $root .name "messaging") | nindent 4 }}
spec:
  service: {{ .name }}
  vhost: {{ $root.Values.infrastructure.rabbitmq.vhost | quote }}
  publishes: {{ .svc.messaging.publishes }}
  {{- with .svc.messaging.queues }}
  queues:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  brokerSecretRef:
    name: {{ $root.Values.infrastructure.rabbitmq.adminSecret }}
  secretName: {{ include "mercado.service.messagingSecret" $ctx }}
  deletionPolicy: {{ $root.Values.infrastructure.deletionPolicy }}
{{- end }}
{{- range $secret, $keys := .svc.generatedSecrets }}
---
{{ include "mercado.service.generatedSecret" (merge (dict "secret" $secret "keys" $keys) $ctx) }}
{{- end }}
{{- if .svc.migration.enabled }}
---
{{ include "mercado.service.migration" $ctx }}
{{- end }}
{{- if $root.Values.networkPolicies.enabled }}
---
{{ include "mercado.service.networkPolicies" $ctx }}
{{- end }}
{{- end }}
