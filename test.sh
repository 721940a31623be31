#!/usr/bin/env bash
# Runs Respaldo's whole test suite on a fresh machine: installs what the tests need (the npm s3rver server, Debian's
# Chromium for the status-page test), then `dotnet test`. moto_server and the AWS CLI are expected preinstalled
# (see README). Extra arguments go to the test runner, e.g. ./test.sh -- --filter-class 'Respaldo.Tests.Backup.*'
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "Installing Chromium (Debian package) for the status-page browser test..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium is missing: sudo apt-get install chromium" >&2
  fi
fi
if [ ! -d tests/s3rver/node_modules/s3rver ]; then
  (cd tests/s3rver && npm ci --no-audit --no-fund --loglevel=error)
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
