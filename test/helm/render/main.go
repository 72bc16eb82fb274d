// Command render renders a Helm chart offline the way `helm template` does, for the chart tests
// in test/helm (no Helm binary or cluster can be installed on our machines). It uses the same
// engines Helm uses: Go's text/template, sprig's TxtFuncMap (minus env/expandenv, as Helm) and
// sigs.k8s.io/yaml, plus Helm's own functions (include, tpl, required, toYaml, fromYaml, toJson,
// fromJson, lookup) and built-in objects (.Values .Release .Chart .Capabilities .Template .Files).
//
// Decisions: values are coalesced as Helm does (user files deep-merged over values.yaml in
// order, null deletes a key); templates/_* are partials; NOTES.txt is skipped; crds/ are not
// rendered (helm template leaves them out by default); documents are ordered by Helm's install
// order of kinds, then by template path, each with a "# Source:" comment; empty documents are
// dropped; "<no value>" becomes "" (Helm's missingkey=zero behaviour). With --values-json the
// coalesced values are printed as JSON instead, so the caller can check values.schema.json.
//
// Built offline in GOPATH mode against Debian's /usr/share/gocode (see test/helm/render.ts),
// which is why sprig is imported without its /v3 module suffix.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

type valueFiles []string

func (v *valueFiles) String() string     { return strings.Join(*v, ",") }
func (v *valueFiles) Set(s string) error { *v = append(*v, s); return nil }

func main() {
	var files valueFiles
	chartDir := flag.String("chart", "", "chart directory")
	name := flag.String("name", "tollgate", "release name")
	namespace := flag.String("namespace", "tollgate-system", "release namespace")
	kubeVersion := flag.String("kube-version", "v1.30.0", "Kubernetes version for .Capabilities")
	apiVersions := flag.String("api-versions", "", "comma-separated extra API versions for .Capabilities.APIVersions")
	valuesJSON := flag.Bool("values-json", false, "print the coalesced values as JSON and exit")
	flag.Var(&files, "f", "values file (repeatable; later files win)")
	flag.Parse()
	if *chartDir == "" {
		fail(fmt.Errorf("--chart is required"))
	}
	chart, err := loadChart(*chartDir)
	if err != nil {
		fail(err)
	}
	values := chart.Values
	for _, f := range files {
		user, err := readYAMLMap(f)
		if err != nil {
			fail(err)
		}
		values = coalesce(user, values)
	}
	if *valuesJSON {
		out, err := json.MarshalIndent(values, "", "  ")
		if err != nil {
			fail(err)
		}
		fmt.Println(string(out))
		return
	}
	caps, err := capabilities(*kubeVersion, *apiVersions)
	if err != nil {
		fail(err)
	}
	top := map[string]interface{}{
		"Values": values,
		"Release": map[string]interface{}{
			"Name": *name, "Namespace": *namespace, "Service": "Helm",
			"IsInstall": true, "IsUpgrade": false, "Revision": 1,
		},
		"Chart":        chart.Metadata,
		"Capabilities": caps,
		"Files":        chart.Files,
	}
	out, err := render(chart, top)
	if err != nil {
		fail(err)
	}
	os.Stdout.WriteString(out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "Error:", err)
	os.Exit(1)
}

func readYAMLMap(file string) (map[string]interface{}, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	out := map[string]interface{}{}
	if err := yaml.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if out == nil {
		out = map[string]interface{}{}
	}
	return out, nil
}

// coalesce merges src (user values) over dst (defaults) like Helm's CoalesceValues: maps merge
// deeply, other values replace, and a null in src deletes the key.
func coalesce(src, dst map[string]interface{}) map[string]interface{} {
	out := map[string]interface{}{}
	for k, v := range dst {
		out[k] = v
	}
	for k, v := range src {
		if v == nil {
			delete(out, k)
			continue
		}
		sm, srcIsMap := v.(map[string]interface{})
		dm, dstIsMap := out[k].(map[string]interface{})
		if srcIsMap && dstIsMap {
			out[k] = coalesce(sm, dm)
		} else {
			out[k] = v
		}
	}
	return out
}

// Files is .Files: the chart's files other than templates, Chart.yaml and values files.
type Files map[string][]byte

func (f Files) Get(name string) string      { return string(f[name]) }
func (f Files) GetBytes(name string) []byte { return f[name] }

type Chart struct {
	Dir       string
	Metadata  map[string]interface{}
	Values    map[string]interface{}
	Templates map[string]string // "chartname/templates/x.yaml" -> text
	Files     Files
}

// chartFields maps Chart.yaml keys to the Go field names Helm exposes under .Chart.
var chartFields = map[string]string{
	"apiVersion": "APIVersion", "name": "Name", "version": "Version", "kubeVersion": "KubeVersion",
	"description": "Description", "type": "Type", "keywords": "Keywords", "home": "Home",
	"sources": "Sources", "dependencies": "Dependencies", "maintainers": "Maintainers",
	"icon": "Icon", "appVersion": "AppVersion", "deprecated": "Deprecated", "annotations": "Annotations",
}

func loadChart(dir string) (*Chart, error) {
	raw, err := readYAMLMap(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return nil, err
	}
	meta := map[string]interface{}{}
	for k, v := range raw {
		field, ok := chartFields[k]
		if !ok {
			return nil, fmt.Errorf("Chart.yaml: unknown field %q", k)
		}
		meta[field] = v
	}
	for _, f := range []string{"APIVersion", "Name", "Version"} {
		if s, _ := meta[f].(string); s == "" {
			return nil, fmt.Errorf("Chart.yaml: %s is required", f)
		}
	}
	if meta["APIVersion"] != "v2" {
		return nil, fmt.Errorf("Chart.yaml: apiVersion must be v2")
	}
	values, err := readYAMLMap(filepath.Join(dir, "values.yaml"))
	if err != nil {
		return nil, err
	}
	chart := &Chart{Dir: dir, Metadata: meta, Values: values, Templates: map[string]string{}, Files: Files{}}
	name := meta["Name"].(string)
	err = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(rel, "templates/"):
			chart.Templates[path.Join(name, rel)] = string(data)
		case rel == "Chart.yaml" || rel == "values.yaml" || rel == "values.schema.json":
		default:
			chart.Files[rel] = data
		}
		return nil
	})
	return chart, err
}
