#!/bin/sh
# Run by the Maven build before the integration tests (gateway/pom.xml, phase pre-integration-test): makes sure the
# programs the tests need beyond Java are on this machine, installing them when they are not, so that `./mvnw verify`
# passes on a fresh machine as it stands. Today: Debian's `prometheus` package (`prometheus` and `promtool`), which
# PrometheusEndToEndIT runs to prove every dashboard query and alert rule (docs/dashboards.md).
#
# A tool already present (on the PATH, or where TOLLGATE_PROMETHEUS / TOLLGATE_PROMTOOL point) is used as it is.
# Otherwise it is installed with apt-get (as root, or through sudo without a password prompt). Where that cannot
# be done, the build stops here with what to install: the proof is never skipped silently.
set -eu

has() {
    override=$2
    if [ -n "$override" ] && [ -x "$override" ]; then
        return 0
    fi
    command -v "$1" >/dev/null 2>&1 || [ -x "/usr/bin/$1" ] || [ -x "/usr/local/bin/$1" ]
}

if has prometheus "${TOLLGATE_PROMETHEUS:-}" && has promtool "${TOLLGATE_PROMTOOL:-}"; then
    exit 0
fi

explain() {
    echo "The integration tests need the prometheus and promtool binaries (PrometheusEndToEndIT), and $1." >&2
    echo "Install them (Debian/Ubuntu: apt-get install prometheus; macOS: brew install prometheus), or point" >&2
    echo "TOLLGATE_PROMETHEUS and TOLLGATE_PROMTOOL at them, then run the build again." >&2
    exit 1
}

command -v apt-get >/dev/null 2>&1 || explain "this machine has no apt-get to install them with"
if [ "$(id -u)" = 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
else
    explain "installing them needs root (or sudo without a password)"
fi

echo "Installing Debian's prometheus package (prometheus, promtool) for the integration tests..."
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null
has prometheus "" && has promtool "" || explain "installing Debian's prometheus package did not provide them"
prometheus --version 2>&1 | head -n 1
