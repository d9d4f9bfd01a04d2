{{/*
The gateway's nginx.conf: the one source of truth for Kubernetes and for local mode
(mercado_local.gateway renders this template with upstreams on 127.0.0.1). Relative paths
(pid, temporary files) are relative to nginx's prefix (-p), a writable directory.
*/}}

{{/* A problem+json answer nginx gives itself: (list status title code detail). */}}
{{- define "mercado.gateway.problem" -}}
default_type application/problem+json;
{{ include "mercado.gateway.problemReturn" . }}
{{- end }}

{{/* Its return alone, where an `if` cannot set default_type: (list status title code detail). */}}
{{- define "mercado.gateway.problemReturn" -}}
return {{ index . 0 }} '{"type":"about:blank","title":"{{ index . 1 }}","status":{{ index . 0 }},"code":"{{ index . 2 }}","detail":"{{ index . 3 }}","request_id":"$mercado_request_id"}';
{{- end }}

{{/* A gRPC error nginx gives itself, as a trailers-only answer: (list code message). */}}
{{- define "mercado.gateway.grpcError" -}}
default_type application/grpc;
add_header grpc-status {{ index . 0 }} always;
add_header grpc-message "{{ index . 1 }}" always;
add_header X-Request-ID $mercado_request_id always;
return 200;
{{- end }}

{{/* The upstream of a service: its name in nginx. */}}
{{- define "mercado.gateway.upstream" -}}
service_{{ . | replace "-" "_" }}
{{- end }}

{{- define "mercado.gateway.nginxConf" -}}
{{- $gw := .Values.gateway -}}
{{- $services := include "mercado.enabledServices" . | fromJsonArray -}}
# Rendered by the mercado chart (templates/_gateway.tpl); do not edit by hand.
worker_processes {{ $gw.workerProcesses }};
pid nginx.pid;
error_log {{ $gw.errorLog }};
daemon off;

events {
    worker_connections 1024;
}

http {
    server_tokens off;
    default_type application/json;
    client_body_temp_path client_body;
    proxy_temp_path proxy;
    fastcgi_temp_path fastcgi;
    uwsgi_temp_path uwsgi;
    scgi_temp_path scgi;

    # The caller's X-Request-ID when it is a sane token (as the services accept it),
    # otherwise one made here; passed to the service and returned to the caller.
    map $http_x_request_id $mercado_request_id {
        "~^[A-Za-z0-9._:-]{1,128}$" $http_x_request_id;
        default $request_id;
    }

    # W3C trace context: the caller's traceparent (and its tracestate) when well formed,
    # otherwise none, so the service starts the trace; its id is logged with the request,
    # from the service's traceresponse when the caller sent none.
    map $http_traceparent $mercado_traceparent {
        "~^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$" $http_traceparent;
        default "";
    }
    map $mercado_traceparent $mercado_tracestate {
        "" "";
        default $http_tracestate;
    }
    map "$mercado_traceparent $upstream_http_traceresponse" $mercado_trace_id {
        "~^00-(?<caller_trace>[0-9a-f]{32})-" $caller_trace;
        "~ 00-(?<service_trace>[0-9a-f]{32})-" $service_trace;
        default "";
    }

    log_format mercado escape=json '{"time":"$time_iso8601","request_id":"$mercado_request_id",'
        '"trace_id":"$mercado_trace_id",'
        '"client":"$remote_addr","method":"$request_method","uri":"$request_uri",'
        '"status":$status,"bytes":$body_bytes_sent,"seconds":$request_time,'
        '"upstream":"$upstream_addr","upstream_seconds":"$upstream_response_time"}';
    access_log {{ if eq $gw.accessLog "off" }}off{{ else }}{{ $gw.accessLog }} mercado{{ end }};

    {{- range $gw.trustedProxies }}
    set_real_ip_from {{ . }};
    {{- end }}
    {{- if $gw.trustedProxies }}
    real_ip_header X-Forwarded-For;
    real_ip_recursive on;
    {{- end }}

    client_max_body_size {{ $gw.clientMaxBodySize }};
    limit_req_zone $binary_remote_addr zone=per_client:10m rate={{ $gw.rateLimit.requestsPerSecond }}r/s;
    limit_req_status 429;
    limit_req_log_level warn;

    proxy_http_version 1.1;
    proxy_connect_timeout {{ $gw.timeouts.connectSeconds }}s;
    proxy_read_timeout {{ $gw.timeouts.readSeconds }}s;
    proxy_send_timeout {{ $gw.timeouts.readSeconds }}s;
    proxy_set_header Connection "";
    proxy_set_header Host $host;
    proxy_set_header X-Request-ID $mercado_request_id;
    proxy_set_header traceparent $mercado_traceparent;
    proxy_set_header tracestate $mercado_tracestate;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Forwarded-Host $host;
    proxy_hide_header X-Request-ID;

    # Which service owns a path, for the answers nginx gives before choosing a location
    # (TRACE is refused as soon as the request is read).
    map $uri $mercado_owner {
        default "";
        {{- range $name := $services }}
        {{- range (get $.Values.services $name).routes | default list }}
        "~^{{ trimSuffix "/" . | replace "." "\\." }}(/|$)" {{ include "mercado.gateway.upstream" $name }};
        {{- end }}
        {{- end }}
    }
    {{- range $services }}

    upstream {{ include "mercado.gateway.upstream" . }} {
        server {{ get $gw.upstreams . | default (printf "%s:%v" (include "mercado.serviceName" (list $ .)) $.Values.serviceDefaults.api.port) }};
        keepalive 16;
        # below gunicorn's keepalive (5 s): nginx drops an idle connection before gunicorn
        # does, never sending a request down one gunicorn is closing (a 502 for a POST)
        keepalive_timeout 4s;
    }
    {{- end }}
    {{- if $gw.grpc.enabled }}
    {{- range $name := $services }}
    {{- $values := get $.Values.services $name }}
    {{- if and $values.grpc $values.grpc.enabled }}

    upstream {{ include "mercado.gateway.upstream" $name }}_grpc {
        server {{ get $gw.grpc.upstreams $name | default (include "mercado.grpcTarget" (list $ $name)) }};
        keepalive 16;
    }
    {{- end }}
    {{- end }}
    {{- end }}

    server {
        listen {{ $gw.port }};
        add_header X-Request-ID $mercado_request_id always;

        # a request refused while its request line is read has no URI to keep: these two go
        # to internal URIs, not named locations
        error_page 400 /.mercado/bad-request;
        error_page 404 @not_found;
        error_page 405 = @not_allowed;
        error_page 413 @too_large;
        error_page 414 /.mercado/uri-too-long;
        error_page 429 @rate_limited;
        error_page 502 503 @unavailable;
        error_page 504 @timeout;

        location = /healthz {
            access_log off;
            default_type text/plain;
            return 200 "ok\n";
        }
        {{- range $name := $services }}
        {{- $values := get $.Values.services $name }}
        {{- range $values.routes | default list }}

        location = {{ . }} {
            limit_req zone=per_client burst={{ $gw.rateLimit.burst }} nodelay;
            proxy_pass http://{{ include "mercado.gateway.upstream" $name }};
        }
        location ^~ {{ trimSuffix "/" . }}/ {
            limit_req zone=per_client burst={{ $gw.rateLimit.burst }} nodelay;
            proxy_pass http://{{ include "mercado.gateway.upstream" $name }};
        }
        {{- end }}
        {{- end }}
        {{- if $gw.docs.enabled }}

        location = /docs {
            root {{ $gw.configDir }};
            types { }
            default_type text/html;
            try_files /docs.html =404;
        }
        {{- range $services }}
        location = /docs/{{ . }}/openapi.json {
            limit_req zone=per_client burst={{ $gw.rateLimit.burst }} nodelay;
            proxy_pass http://{{ include "mercado.gateway.upstream" . }}/openapi.json;
        }
        {{- end }}
        {{- end }}

        location / {
            {{- include "mercado.gateway.problem" (list 404 "Not Found" "not_found" "No API is served at this path; see /docs.") | nindent 12 }}
        }
        location @not_found {
            {{- include "mercado.gateway.problem" (list 404 "Not Found" "not_found" "No API is served at this path; see /docs.") | nindent 12 }}
        }
        location = /.mercado/bad-request {
            internal;
            {{- include "mercado.gateway.problem" (list 400 "Bad Request" "bad_request" "The request is not valid HTTP.") | nindent 12 }}
        }
        # A method nginx refuses itself (TRACE): the service that owns the path answers a
        # method it has no route for (QUERY), so its 405 lists the path's own methods in Allow.
        location @not_allowed {
            default_type application/problem+json;
            if ($mercado_owner = "") {
                {{- include "mercado.gateway.problemReturn" (list 404 "Not Found" "not_found" "No API is served at this path; see /docs.") | nindent 16 }}
            }
            proxy_method QUERY;
            proxy_pass http://$mercado_owner;
        }
        location = /.mercado/uri-too-long {
            internal;
            {{- include "mercado.gateway.problem" (list 414 "URI Too Long" "uri_too_long" "The URI is too long; send long data in a request body.") | nindent 12 }}
        }
        location @too_large {
            {{- include "mercado.gateway.problem" (list 413 "Payload Too Large" "payload_too_large" (printf "The request body is larger than %s." $gw.clientMaxBodySize)) | nindent 12 }}
        }
        location @rate_limited {
            add_header X-Request-ID $mercado_request_id always;
            add_header Retry-After 1 always;
            {{- include "mercado.gateway.problem" (list 429 "Too Many Requests" "rate_limited" "Too many requests from this address; slow down and retry after a second.") | nindent 12 }}
        }
        location @unavailable {
            {{- include "mercado.gateway.problem" (list 502 "Bad Gateway" "service_unavailable" "The service behind this path is not answering; retry later.") | nindent 12 }}
        }
        location @timeout {
            {{- include "mercado.gateway.problem" (list 504 "Gateway Timeout" "service_timeout" "The service behind this path did not answer in time; retry later.") | nindent 12 }}
        }
    }
    {{- if $gw.grpc.enabled }}

    # gRPC: plain HTTP/2 (prior knowledge) on its own port of the same host, each service's
    # gRPC services routed by their full names (/<package>.<Service>/<Method>).
    server {
        listen {{ $gw.grpc.port }} http2;
        grpc_connect_timeout {{ $gw.timeouts.connectSeconds }}s;
        grpc_read_timeout {{ $gw.timeouts.readSeconds }}s;
        grpc_send_timeout {{ $gw.timeouts.readSeconds }}s;
        grpc_set_header X-Request-ID $mercado_request_id;
        grpc_set_header X-Forwarded-For $proxy_add_x_forwarded_for;

        error_page 413 = @grpc_too_large;
        error_page 429 = @grpc_rate_limited;
        error_page 502 503 = @grpc_unavailable;
        error_page 504 = @grpc_timeout;
        {{- range $name := $services }}
        {{- $values := get $.Values.services $name }}
        {{- if and $values.grpc $values.grpc.enabled }}
        {{- range $values.grpc.services }}

        location /{{ . }}/ {
            limit_req zone=per_client burst={{ $gw.rateLimit.burst }} nodelay;
            grpc_pass grpc://{{ include "mercado.gateway.upstream" $name }}_grpc;
        }
        {{- end }}
        {{- end }}
        {{- end }}

        location / {
            {{- include "mercado.gateway.grpcError" (list 12 "No gRPC service of Mercado is routed at this path.") | nindent 12 }}
        }
        location @grpc_too_large {
            {{- include "mercado.gateway.grpcError" (list 8 (printf "The message is larger than %s." $gw.clientMaxBodySize)) | nindent 12 }}
        }
        location @grpc_rate_limited {
            {{- include "mercado.gateway.grpcError" (list 8 "Too many calls from this address; slow down and retry after a second.") | nindent 12 }}
        }
        location @grpc_unavailable {
            {{- include "mercado.gateway.grpcError" (list 14 "The service behind this method is not answering; retry later.") | nindent 12 }}
        }
        location @grpc_timeout {
            {{- include "mercado.gateway.grpcError" (list 4 "The service behind this method did not answer in time; retry later.") | nindent 12 }}
        }
    }
    {{- end }}
}
{{- end }}

{{/* The /docs page: one Swagger UI listing every service's OpenAPI document. */}}
{{- define "mercado.gateway.docsPage" -}}
{{- $services := include "mercado.enabledServices" . | fromJsonArray -}}
{{- $ui := .Values.gateway.docs.swaggerUiUrl -}}
<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Mercado API</title>
  <link rel="stylesheet" href="{{ $ui }}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{{ $ui }}/swagger-ui-bundle.js"></script>
  <script src="{{ $ui }}/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      dom_id: "#swagger-ui",
      urls: [
        {{- range $services }}
        {url: "/docs/{{ . }}/openapi.json", name: "{{ . }}"},
        {{- end }}
      ],
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "StandaloneLayout",
    });
  </script>
</body>
</html>
{{- end }}
