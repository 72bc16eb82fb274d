// The template engine: Helm's function map over sprig, include/tpl with a recursion limit, and
// the split/sort/label of the rendered documents (see main.go for the decisions).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"sigs.k8s.io/yaml"
)

const recursionLimit = 1000

// funcMap is sprig's TxtFuncMap without env/expandenv, plus Helm's functions. include and tpl
// are bound to the template set per render (they need it).
func funcMap() template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	f["toYaml"] = func(v interface{}) string {
		data, err := yaml.Marshal(v)
		if err != nil {
			return ""
		}
		return strings.TrimSuffix(string(data), "\n")
	}
	f["fromYaml"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := yaml.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	f["fromYamlArray"] = func(s string) []interface{} {
		a := []interface{}{}
		if err := yaml.Unmarshal([]byte(s), &a); err != nil {
			a = []interface{}{err.Error()}
		}
		return a
	}
	f["toJson"] = func(v interface{}) string {
		data, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return string(data)
	}
	f["fromJson"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	f["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return v, errors.New(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return v, errors.New(msg)
		}
		return v, nil
	}
	// lookup: rendering offline, as `helm template` does, finds nothing.
	f["lookup"] = func(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	// Placeholders so templates parse; replaced per render in bind().
	f["include"] = func(string, interface{}) (string, error) { return "", nil }
	f["tpl"] = func(string, interface{}) (string, error) { return "", nil }
	return f
}

// bind installs include and tpl that execute against t.
func bind(t *template.Template, funcs template.FuncMap) {
	depth := map[string]int{}
	funcs["include"] = func(name string, data interface{}) (string, error) {
		if depth[name] > recursionLimit {
			return "", fmt.Errorf("rendering template has a nested reference name: %s: unable to execute template", name)
		}
		depth[name]++
		defer func() { depth[name]-- }()
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	funcs["tpl"] = func(text string, data interface{}) (string, error) {
		clone, err := t.Clone()
		if err != nil {
			return "", err
		}
		inner, err := clone.New("tpl").Funcs(funcs).Option("missingkey=zero").Parse(text)
		if err != nil {
			return "", fmt.Errorf("cannot parse template %q: %w", text, err)
		}
		var buf bytes.Buffer
		if err := inner.Execute(&buf, data); err != nil {
			return "", fmt.Errorf("error calling tpl: %w", err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	t.Funcs(funcs)
}

// render executes every non-partial template with its own .Template and returns the stream.
func render(chart *Chart, top map[string]interface{}) (string, error) {
	funcs := funcMap()
	t := template.New("gotpl").Option("missingkey=zero").Funcs(funcs)
	bind(t, funcs)
	names := make([]string, 0, len(chart.Templates))
	for name := range chart.Templates {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if _, err := t.New(name).Parse(chart.Templates[name]); err != nil {
			return "", err
		}
	}
	basePath := chart.Metadata["Name"].(string) + "/templates"
	var docs []doc
	for _, name := range names {
		base := name[strings.LastIndex(name, "/")+1:]
		if strings.HasPrefix(base, "_") || base == "NOTES.txt" {
			continue
		}
		vals := map[string]interface{}{}
		for k, v := range top {
			vals[k] = v
		}
		vals["Template"] = map[string]interface{}{"Name": name, "BasePath": basePath}
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, name, vals); err != nil {
			return "", err
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		for _, d := range splitDocuments(text) {
			docs = append(docs, doc{source: name, text: d, kind: kindOf(d)})
		}
	}
	sort.SliceStable(docs, func(i, j int) bool {
		oi, oj := kindOrder(docs[i].kind), kindOrder(docs[j].kind)
		if oi != oj {
			return oi < oj
		}
		return docs[i].source < docs[j].source
	})
	var out strings.Builder
	for _, d := range docs {
		out.WriteString("---\n# Source: " + d.source + "\n" + d.text + "\n")
	}
	return out.String(), nil
}

type doc struct{ source, text, kind string }

var sep = regexp.MustCompile(`(?m)^---[ \t]*$`)
var kindLine = regexp.MustCompile(`(?m)^kind:\s*"?([A-Za-z0-9]+)"?\s*$`)

// splitDocuments splits on "---" lines and drops documents that hold only blanks or comments.
func splitDocuments(text string) []string {
	var out []string
	for _, part := range sep.Split(text, -1) {
		empty := true
		for _, line := range strings.Split(part, "\n") {
			l := strings.TrimSpace(line)
			if l != "" && !strings.HasPrefix(l, "#") {
				empty = false
				break
			}
		}
		if !empty {
			out = append(out, strings.Trim(part, "\n"))
		}
	}
	return out
}

func kindOf(d string) string {
	if m := kindLine.FindStringSubmatch(d); m != nil {
		return m[1]
	}
	return ""
}

// installOrder is Helm's releaseutil.InstallOrder: kinds others depend on come first.
var installOrder = []string{
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
	"PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
	"PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
	"ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList",
	"RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController",
	"ReplicaSet", "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob",
	"IngressClass", "Ingress", "APIService",
}

func kindOrder(kind string) int {
	for i, k := range installOrder {
		if k == kind {
			return i
		}
	}
	return len(installOrder) // unknown kinds (GatewayClass, ServiceMonitor...) last, as Helm
}

// capabilities builds .Capabilities: KubeVersion and APIVersions.Has for built-in groups plus
// the extra ones given (e.g. monitoring.coreos.com/v1).
func capabilities(kubeVersion, extra string) (map[string]interface{}, error) {
	m := regexp.MustCompile(`^v(\d+)\.(\d+)\.(\d+)$`).FindStringSubmatch(kubeVersion)
	if m == nil {
		return nil, fmt.Errorf("--kube-version %q: want vMAJOR.MINOR.PATCH", kubeVersion)
	}
	minor, _ := strconv.Atoi(m[2])
	versions := APIVersions{"v1": true, "apps/v1": true, "policy/v1": true, "rbac.authorization.k8s.io/v1": true,
		"coordination.k8s.io/v1": true, "discovery.k8s.io/v1": true, "apiextensions.k8s.io/v1": true,
		"networking.k8s.io/v1": true, "autoscaling/v2": true, "batch/v1": true}
	for _, v := range strings.Split(extra, ",") {
		if v = strings.TrimSpace(v); v != "" {
			versions[v] = true
		}
	}
	return map[string]interface{}{
		"KubeVersion": map[string]interface{}{
			"Version": kubeVersion, "GitVersion": kubeVersion, "Major": m[1], "Minor": strconv.Itoa(minor),
		},
		"APIVersions": versions,
		"HelmVersion": map[string]interface{}{"Version": "v3.14.0"},
	}, nil
}

// APIVersions mirrors chartutil.VersionSet: Has("group/version") or Has("group/version/Kind").
type APIVersions map[string]bool

func (v APIVersions) Has(s string) bool {
	if v[s] {
		return true
	}
	if i := strings.LastIndex(s, "/"); i > 0 {
		return v[s[:i]]
	}
	return false
}
