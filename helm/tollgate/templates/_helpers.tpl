{{/* Chart name, at most 63 characters. */}}
{{- define "tollgate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full resource name: the release name, plus the chart name unless the release name contains it. */}}
{{- define "tollgate.fullname" -}}
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

{{- define "tollgate.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tollgate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tollgate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "tollgate.labels" -}}
helm.sh/chart: {{ include "tollgate.chart" . }}
{{ include "tollgate.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tollgate
{{- end }}

{{- define "tollgate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tollgate.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "tollgate.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* "true" when the ledger is in an external PostgreSQL. */}}
{{- define "tollgate.postgresql.enabled" -}}
{{- if .Values.postgresql.host }}true{{ end }}
{{- end }}

{{/* "true" when the budget counters are in Redis. */}}
{{- define "tollgate.redis.enabled" -}}
{{- if or .Values.redis.url .Values.redis.host .Values.redis.urlFromSecret.name }}true{{ end }}
{{- end }}

{{/* "true" when more than one pod may run at once. */}}
{{- define "tollgate.multiReplica" -}}
{{- if or .Values.autoscaling.enabled (gt (int .Values.replicaCount) 1) }}true{{ end }}
{{- end }}

{{/* "true" when the data folder is a PersistentVolumeClaim (H2 ledger with persistence on). */}}
{{- define "tollgate.persistence.enabled" -}}
{{- if and .Values.persistence.enabled (not (include "tollgate.postgresql.enabled" .)) }}true{{ end }}
{{- end }}

{{- define "tollgate.pricing.configMapName" -}}
{{- default (printf "%s-pricing" (include "tollgate.fullname" .)) .Values.pricing.existingConfigMap }}
{{- end }}

{{- define "tollgate.routingRules.configMapName" -}}
{{- default (printf "%s-routing-rules" (include "tollgate.fullname" .)) .Values.routingRules.existingConfigMap }}
{{- end }}

{{/*
The ConfigMap data of a table folder: the files shipped with the chart (files/<folder>/*.yaml), then the inline
files of the values, which replace a shipped file of the same name.

files/pricing and files/routing-rules are symbolic links to the repository's pricing/ and routing-rules/ folders,
so the chart always ships the tables of its own commit and there is no copy to keep in sync: Helm follows symbolic
links inside a chart folder when it lints, templates and packages it (a packaged chart holds the files themselves).
HelmChartTest checks that the rendered ConfigMaps equal the repository's files, so a checkout that breaks the links
(e.g. git on Windows without symlink support) fails the build instead of shipping empty tables. The glob takes only
the folder's own *.yaml files: not pricing/README.md, not the demo rules of routing-rules/demo/.
Arguments: (list $ "pricing" .Values.pricing).
*/}}
{{- define "tollgate.tableData" -}}
{{- $root := index . 0 }}
{{- $folder := index . 1 }}
{{- $values := index . 2 }}
{{- $data := dict }}
{{- if $values.includeShipped }}
{{- range $path, $_ := $root.Files.Glob (printf "files/%s/*.yaml" $folder) }}
{{- $_ := set $data (base $path) ($root.Files.Get $path) }}
{{- end }}
{{- end }}
{{- range $name, $content := $values.files }}
{{- $_ := set $data $name $content }}
{{- end }}
{{- if not $data }}
{{- fail (printf "%s: the ConfigMap would be empty: set %s.includeShipped, %s.files or %s.existingConfigMap" $folder $folder $folder $folder) }}
{{- end }}
{{- toYaml $data }}
{{- end }}

{{/*
Refuses settings that would render a broken or unsafe release. Included by the Deployment.
*/}}
{{- define "tollgate.validate" -}}
{{- if include "tollgate.multiReplica" . }}
{{- if not (and (include "tollgate.postgresql.enabled" .) (include "tollgate.redis.enabled" .)) }}
{{- fail (printf "more than one replica (replicaCount=%d, autoscaling.enabled=%t) needs both PostgreSQL (postgresql.host) and Redis (redis.url, redis.host or redis.urlFromSecret.name), but postgresql is %s and redis is %s: on the embedded defaults every replica would keep its own budgets and ledger, so N replicas could spend N times a budget" (int .Values.replicaCount) .Values.autoscaling.enabled (ternary "configured" "not configured" (eq (include "tollgate.postgresql.enabled" .) "true")) (ternary "configured" "not configured" (eq (include "tollgate.redis.enabled" .) "true"))) }}
{{- end }}
{{- end }}
{{- if and (include "tollgate.postgresql.enabled" .) (not .Values.postgresql.existingSecret) }}
{{- fail "postgresql.host is set but postgresql.existingSecret is not: name the Secret holding the database password" }}
{{- end }}
{{- if and .Values.redis.url .Values.redis.host }}
{{- fail "redis.url and redis.host are both set: give one" }}
{{- end }}
{{- if and .Values.redis.urlFromSecret.name (or .Values.redis.url .Values.redis.host) }}
{{- fail "redis.urlFromSecret.name is set together with redis.url or redis.host: give one" }}
{{- end }}
{{- if and .Values.redis.password.existingSecret (not .Values.redis.host) }}
{{- fail "redis.password.existingSecret is used only with redis.host; with a URL put the password in redis.urlFromSecret" }}
{{- end }}
{{- $g := .Values.gracefulShutdown }}
{{- $needed := add $g.preStopSleepSeconds $g.shutdownPhaseSeconds $g.ledgerDrainSeconds 5 }}
{{- if lt (int $g.terminationGracePeriodSeconds) (int $needed) }}
{{- fail (printf "gracefulShutdown.terminationGracePeriodSeconds (%d) must be at least preStopSleepSeconds + shutdownPhaseSeconds + ledgerDrainSeconds + 5 = %d, or the kubelet kills the gateway before its ledger has drained" (int $g.terminationGracePeriodSeconds) (int $needed)) }}
{{- end }}
{{- end }}
