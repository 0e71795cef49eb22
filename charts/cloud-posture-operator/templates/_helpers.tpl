{{/* Chart name, truncated to a DNS label. */}}
{{- define "cloud-posture-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: release-chart unless the release name already contains the chart name. */}}
{{- define "cloud-posture-operator.fullname" -}}
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

{{- define "cloud-posture-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "cloud-posture-operator.labels" -}}
helm.sh/chart: {{ include "cloud-posture-operator.chart" . }}
{{ include "cloud-posture-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: cloud-posture-operator
{{- end }}

{{/* Selector labels (immutable on the Deployment: never add to them). */}}
{{- define "cloud-posture-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cloud-posture-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "cloud-posture-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "cloud-posture-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* image reference: repository@digest, else repository:tag (tag defaults to appVersion). */}}
{{- define "cloud-posture-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Bytes of a quantity written as the schema allows it (digits, optionally Ki, Mi, Gi or Ti), e.g. 128Mi -> 134217728. */}}
{{- define "cloud-posture-operator.quantityBytes" -}}
{{- $q := toString . }}
{{- $factor := get (dict "" 1 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776) (regexReplaceAll "^[0-9]+" $q "") }}
{{- mul (regexFind "^[0-9]+" $q | int64) ($factor | int64) }}
{{- end }}
