{{- define "fixture.label" -}}
{{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}
