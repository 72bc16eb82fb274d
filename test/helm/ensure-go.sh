#!/usr/bin/env bash
# The chart renderer test (test/helm) builds a small Go program against Debian's packaged Go
# sources (text/template + sprig + sigs.k8s.io/yaml, as Helm renders). This installs them when
# they are missing: fast and silent when present, a clear failure (exit 1) when it cannot, so
# the test is never skipped quietly.
set -euo pipefail
SRC=/usr/share/gocode/src
have() {
  command -v go >/dev/null &&
    [ -d "$SRC/github.com/Masterminds/sprig" ] &&
    [ -d "$SRC/sigs.k8s.io/yaml" ]
}
have && exit 0
echo "ensure-go: installing golang-go, sprig and sigs.k8s.io/yaml from Debian" >&2
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -qq -o DPkg::Lock::Timeout=300)
if ! apt-get install "${apt_opts[@]}" golang-go golang-github-masterminds-sprig-dev golang-k8s-sigs-yaml-dev >/dev/null 2>&1; then
  apt-get update -qq -o DPkg::Lock::Timeout=300 >/dev/null 2>&1 || true
  apt-get install "${apt_opts[@]}" golang-go golang-github-masterminds-sprig-dev golang-k8s-sigs-yaml-dev >/dev/null
fi
have || { echo "ensure-go: go or the Go sources under $SRC are still missing" >&2; exit 1; }
