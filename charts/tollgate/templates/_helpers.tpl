{{/* Names, labels and shared snippets of the Tollgate chart. */}}

{{- define "tollgate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release-wide name prefix, at most 63 characters. */}}
{{- define "tollgate.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* A component's name: fullname-component, kept within 63 characters. */}}
{{- define "tollgate.componentName" -}}
{{- printf "%s-%s" (include "tollgate.fullname" .root | trunc (int (sub 62 (len .component))) | trimSuffix "-") .component -}}
{{- end -}}

{{- define "tollgate.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "tollgate.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: tollgate
{{- end -}}

{{- define "tollgate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tollgate.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "tollgate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "tollgate.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "tollgate.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* host:port of the controller's ADS server, as extproc and Envoy reach it. */}}
{{- define "tollgate.adsAddress" -}}
{{- printf "%s.%s.svc:%d" (include "tollgate.componentName" (dict "root" . "component" "controller")) .Release.Namespace (int .Values.controller.adsPort) -}}
{{- end -}}

{{/* Where Envoy reaches extproc: the shared Service, or the sidecar's Unix socket. */}}
{{- define "tollgate.extprocAddress" -}}
{{- if eq .Values.extproc.mode "deployment" -}}
{{- printf "%s.%s.svc:%d" (include "tollgate.componentName" (dict "root" . "component" "extproc")) .Release.Namespace (int .Values.extproc.port) -}}
{{- else -}}
{{- printf "unix:%s" .Values.extproc.socketPath -}}
{{- end -}}
{{- end -}}

{{/* REDIS_URL for extproc: an existing Secret, a plain URL, or the bundled Redis. */}}
{{- define "tollgate.redisEnv" -}}
{{- if .Values.redis.existingSecret.name }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.existingSecret.name }}
      key: {{ .Values.redis.existingSecret.key }}
{{- else if .Values.redis.url }}
- name: REDIS_URL
  value: {{ .Values.redis.url | quote }}
{{- else if .Values.redis.enabled }}
- name: REDIS_URL
  value: {{ printf "redis://%s.%s.svc:6379" (include "tollgate.componentName" (dict "root" . "component" "redis")) .Release.Namespace | quote }}
{{- end }}
{{- end -}}

{{/* The pod-level scheduling knobs of one component's values. */}}
{{- define "tollgate.scheduling" -}}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Is any Redis source given (then the controller writes AIBudget status.usage too)? */}}
{{- define "tollgate.redisConfigured" -}}
{{- if or .Values.redis.existingSecret.name .Values.redis.url .Values.redis.enabled -}}true{{- end -}}
{{- end -}}

{{/* The TollgateProxy the chart creates (provisioning.proxy.create). */}}
{{- define "tollgate.proxyName" -}}
{{- default (include "tollgate.componentName" (dict "root" . "component" "proxy")) .Values.provisioning.proxy.name -}}
{{- end -}}

{{/* Whether the chart renders its own TollgateProxy. */}}
{{- define "tollgate.ownProxy" -}}
{{- if and .Values.provisioning.enabled .Values.provisioning.proxy.create -}}true{{- end -}}
{{- end -}}

{{/* The TollgateProxy the GatewayClass references: the user's, the chart's, or none. */}}
{{- define "tollgate.parametersRef" -}}
{{- if .Values.gatewayClass.parametersRef -}}
{{- if include "tollgate.ownProxy" . -}}
{{- fail "gatewayClass.parametersRef names your own TollgateProxy: set provisioning.proxy.create=false (or clear parametersRef to use the chart's)" -}}
{{- end -}}
{{- .Values.gatewayClass.parametersRef -}}
{{- else if include "tollgate.ownProxy" . -}}
{{- include "tollgate.proxyName" . -}}
{{- end -}}
{{- end -}}

{{/* Values combinations the controller cannot honour, refused with a reason. */}}
{{- define "tollgate.checkValues" -}}
{{- if eq .Values.extproc.mode "sidecar" -}}
{{- if or .Values.redis.url .Values.redis.enabled -}}
{{- fail "extproc.mode=sidecar reads Redis from a Secret in each Gateway namespace: use redis.existingSecret (and create that Secret in every Gateway namespace), not redis.url or redis.enabled" -}}
{{- end -}}
{{- if or (ne .Values.extproc.auditLog "off") .Values.extproc.auditIncludeBodies -}}
{{- fail "extproc.auditLog and extproc.auditIncludeBodies need extproc.mode=deployment: the provisioned sidecars take no audit flags" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The --xds-* flags and volume of an mTLS client of the controller's ADS server. */}}
{{- define "tollgate.xdsTlsArgs" -}}
- --xds-ca=/etc/tollgate/xds-tls/ca.crt
- --xds-cert=/etc/tollgate/xds-tls/tls.crt
- --xds-key=/etc/tollgate/xds-tls/tls.key
- --xds-server-name={{ printf "%s.%s.svc" (include "tollgate.componentName" (dict "root" . "component" "controller")) .Release.Namespace }}
{{- end -}}
