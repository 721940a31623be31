#!/usr/bin/env bash
# Runs Respaldo's whole test suite on a fresh machine: installs what the tests need (the npm s3rver server, Redocly
# CLI and Stoplight Prism, Debian's chromium, systemd and strace), publishes the Native AOT executable, then `dotnet test`. moto_server
# and the AWS CLI are expected preinstalled (see README). Extra arguments go to the test runner, e.g.
# ./test.sh -- --filter-class 'Respaldo.Tests.Backup.*'
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages: chromium (status-page browser test), systemd (systemd-analyze verify of the units),
# strace (the published executable stays inside the unit's sandbox).
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
command -v strace >/dev/null 2>&1 || missing+=(strace)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "Installing ${missing[*]} (Debian packages) for the tests..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "Missing for the tests: sudo apt-get install ${missing[*]}" >&2
  fi
fi
if [ ! -d tests/s3rver/node_modules/s3rver ]; then
  (cd tests/s3rver && npm ci --no-audit --no-fund --loglevel=error)
fi
# DuckDB (npm @duckdb/node-api) reads the bundle archive as users would, in the bundle tests.
if [ ! -d tests/duckdb/node_modules/@duckdb/node-api ]; then
  (cd tests/duckdb && npm ci --no-audit --no-fund --loglevel=error)
fi
# Redocly CLI, the independent validator of the OpenAPI document (OpenApiLintTests), pinned in tests/openapi-tools.
if [ ! -d tests/openapi-tools/node_modules/@redocly/cli ]; then
  (cd tests/openapi-tools && npm ci --no-audit --no-fund --loglevel=error)
fi

# Stoplight Prism, the validating proxy the contract traffic runs through (PrismContractTests), pinned in tests/prism.
if [ ! -d tests/prism/node_modules/@stoplight/prism-cli ]; then
  (cd tests/prism && npm ci --no-audit --no-fund --loglevel=error)
fi

# The process-level tests run the Native AOT executable users deploy: publish it once for this run (incremental
# when nothing changed; deploy/publish.sh installs clang/lld/llvm/zlib1g-dev when missing). A preset
# RESPALDO_EXECUTABLE skips this and tests that executable instead.
if [ -z "${RESPALDO_EXECUTABLE:-}" ]; then
  echo "Publishing the native executable (deploy/publish.sh artifacts/published)..."
  publish_log=$(mktemp)
  if ! deploy/publish.sh artifacts/published >"$publish_log" 2>&1; then
    cat "$publish_log" >&2
    exit 1
  fi
  rm -f "$publish_log"
  export RESPALDO_EXECUTABLE="$PWD/artifacts/published/Respaldo"
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One plain closing line for CI: "Tests: N passed, N failed, N skipped".
total_line() { grep -E "^\s+$1:" "$log" | awk '{s+=$2} END {print s+0}'; }
echo "Tests: $(total_line succeeded) passed, $(total_line failed) failed, $(total_line skipped) skipped"
exit "$status"
