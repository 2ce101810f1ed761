{{/*
The processes, in a fixed order: the gateway, the services, then the web console.
*/}}
{{- define "inferadb.components" -}}
gateway auth orgs audit mailer web
{{- end -}}

{{- define "inferadb.services" -}}
auth orgs audit mailer
{{- end -}}

{{/*
Object name of a component: the gateway's is infera-management-api, the others infera-<component>.
*/}}
{{- define "inferadb.name" -}}
{{- if eq . "gateway" -}}infera-management-api{{- else -}}infera-{{ . }}{{- end -}}
{{- end -}}

{{/*
Pod selector labels (what the NetworkPolicies select on). Argument: the component.
*/}}
{{- define "inferadb.selectorLabels" -}}
app.kubernetes.io/name: inferadb-management
app.kubernetes.io/component: {{ . }}
{{- end -}}

{{/*
Labels of every object. Argument: dict "root" $ "component" <component>.
*/}}
{{- define "inferadb.labels" -}}
{{ include "inferadb.selectorLabels" .component }}
app.kubernetes.io/part-of: inferadb
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end -}}

{{/*
Image of a component. Argument: dict "root" $ "component" <component>.
*/}}
{{- define "inferadb.image" -}}
{{- printf "%s-%s:%s" .root.Values.image.repository .component (default .root.Chart.AppVersion .root.Values.image.tag) -}}
{{- end -}}

{{/*
The URL the engine calls the internal API at (Service infera-management-internal): engine.audience's default.
*/}}
{{- define "inferadb.internalUrl" -}}
{{- printf "http://infera-management-internal.%s.svc:%v" .Release.Namespace .Values.engine.internalPort -}}
{{- end -}}

{{/*
The engine's pods, as a NetworkPolicy peer: labelled app.kubernetes.io/name: inferadb-engine, in
engine.namespace (or, when empty, this namespace).
*/}}
{{- define "inferadb.enginePeer" -}}
- podSelector:
    matchLabels:
      app.kubernetes.io/name: inferadb-engine
  {{- with .Values.engine.namespace }}
  namespaceSelector:
    matchLabels:
      kubernetes.io/metadata.name: {{ . }}
  {{- end }}
{{- end -}}

{{/*
The ConfigMap infera-env: the values' env, then what the chart owns (listen hosts, ports, service URLs,
the engine's settings).
*/}}
{{- define "inferadb.env" -}}
{{- $env := dict -}}
{{- range $key, $value := .Values.env -}}
{{- $_ := set $env $key (toString $value) -}}
{{- end -}}
{{- $_ := set $env "INFERADB_MGMT__SERVER__HTTP_HOST" "0.0.0.0" -}}
{{- $_ := set $env "INFERADB_MGMT__SERVER__INTERNAL_HOST" "0.0.0.0" -}}
{{- $_ := set $env "INFERADB_MGMT__SERVER__HTTP_PORT" (toString .Values.components.gateway.port) -}}
{{- range $service := splitList " " (include "inferadb.services" .) -}}
{{- $port := (index $.Values.components $service).port -}}
{{- $_ := set $env (printf "INFERADB_MGMT__SERVICES__%s_URL" (upper $service)) (printf "http://%s:%v" (include "inferadb.name" $service) $port) -}}
{{- end -}}
{{- $_ := set $env "INFERADB_MGMT__SERVICES__WEB_URL" (printf "http://%s:%v" (include "inferadb.name" "web") .Values.components.web.port) -}}
{{- $_ := set $env "INFERADB_MGMT__WEB__GATEWAY_URL" (printf "http://%s:%v" (include "inferadb.name" "gateway") .Values.components.gateway.port) -}}
{{- $engine := .Values.engine -}}
{{- $_ := set $env "INFERADB_MGMT__SERVER__INTERNAL_PORT" (toString $engine.internalPort) -}}
{{- if $engine.jwksUrl -}}
{{- $_ := set $env "INFERADB_MGMT__ENGINE__JWKS_URL" $engine.jwksUrl -}}
{{- end -}}
{{- $_ := set $env "INFERADB_MGMT__ENGINE__AUDIENCE" (default (include "inferadb.internalUrl" .) $engine.audience) -}}
{{- if $engine.instanceId -}}
{{- $_ := set $env "INFERADB_MGMT__ENGINE__INSTANCE_ID" $engine.instanceId -}}
{{- end -}}
{{- $_ := set $env "INFERADB_MGMT__ENGINE__DISCOVERY" $engine.discovery -}}
{{- if eq $engine.discovery "dns" -}}
{{- $_ := set $env "INFERADB_MGMT__ENGINE__DNS_NAME" $engine.dnsName -}}
{{- $_ := set $env "INFERADB_MGMT__ENGINE__DNS_PORT" (toString $engine.port) -}}
{{- end -}}
{{- if $engine.endpoints -}}
{{- $_ := set $env "INFERADB_MGMT__ENGINE__ENDPOINTS" (printf "[%s]" (join ", " $engine.endpoints)) -}}
{{- end -}}
{{- range $key := keys $env | sortAlpha }}
{{ $key }}: {{ index $env $key | quote }}
{{- end -}}
{{- end -}}

{{/*
Secret-backed variables of a container. Argument: dict "root" $ "storage" bool "smtp" bool "nats" <NATS user, or "" for none>.
*/}}
{{- define "inferadb.secretEnv" -}}
- name: INFERADB_MGMT__AUTH__KEY_ENCRYPTION_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ .root.Values.secret.name }}
      key: key-encryption-secret
{{- if .storage }}
- name: INFERADB_MGMT__STORAGE__BACKEND
  value: postgres
- name: INFERADB_MGMT__STORAGE__URL
  valueFrom:
    secretKeyRef:
      name: {{ .root.Values.secret.name }}
      key: database-url
{{- end }}
{{- if .nats }}
- name: INFERADB_MGMT__NATS__USER
  value: {{ .nats }}
- name: INFERADB_MGMT__NATS__PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .root.Values.secret.name }}
      key: nats-{{ .nats }}-password
{{- end }}
{{- if .smtp }}
- name: INFERADB_MGMT__EMAIL__SMTP_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .root.Values.secret.name }}
      key: smtp-password
      optional: true
{{- end }}
{{- end -}}

{{- define "inferadb.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "inferadb.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "inferadb.volumeMounts" -}}
- name: config
  mountPath: /app/config.yaml
  subPath: config.yaml
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- end -}}

{{- define "inferadb.volumes" -}}
- name: config
  configMap:
    name: infera-config
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- end -}}

{{/*
Hook annotations for what the pre-install/pre-upgrade migration Job needs to exist before it.
*/}}
{{- define "inferadb.preMigrationHook" -}}
{{- if .Values.migrations.enabled }}
annotations:
  helm.sh/hook: pre-install,pre-upgrade
  helm.sh/hook-weight: "-10"
  helm.sh/hook-delete-policy: before-hook-creation
{{- end }}
{{- end -}}
