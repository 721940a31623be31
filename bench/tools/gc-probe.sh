#!/usr/bin/env bash
# A quick probe of runtime settings on the native executable, without rebuilding: each variant is a set of DOTNET_*
# variables (the GC reads them at start in a Native AOT executable too). Per variant and round: start `serve` on a
# fresh folder, record VmRSS when idle, run wrk -c32 POST for DUR (6s), record VmHWM and req/s (2xx only: the rate
# limit is off). Not a result by itself: use it to choose, then measure the choice with bench/run.sh aot.
#   EXE=artifacts/bench-native/Respaldo ROUNDS=2 bench/tools/gc-probe.sh
set -euo pipefail
BENCH=$(cd "$(dirname "$0")/.." && pwd)
EXE=${EXE:-$BENCH/../artifacts/bench-native/Respaldo}
ROUNDS=${ROUNDS:-2}
WORK=$(mktemp -d /var/tmp/respaldo-gc-probe.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
run() {
  local name=$1; shift
  local dir=$WORK/$name-$RANDOM port
  mkdir -p "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  env "$@" "$EXE" serve --urls "http://127.0.0.1:$port" --Storage:Directory="$dir" --Security:RateLimit:PermitsPerSecond=0 \
    --Backup:Schedule=off --Logging:LogLevel:Default=Warning >"$WORK/$name.log" 2>&1 &
  local pid=$!
  until curl -s -o /dev/null "http://127.0.0.1:$port/healthz"; do sleep 0.1; done
  local idle; idle=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
  WRK_MODE=post wrk -t1 -c32 -d"${DUR:-6s}" --timeout 10s -s "$BENCH/wrk/bench.lua" "http://127.0.0.1:$port/store_data/" >"$WORK/$name.wrk" 2>&1
  local hwm; hwm=$(awk '/VmHWM/{print $2}' "/proc/$pid/status")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  printf '| %s | %s | %s | %s | %s |\n' "$name" "$*" "$((idle / 1024))" "$((hwm / 1024))" \
    "$(awk '/^Requests\/sec/{printf "%.0f", $2}' "$WORK/$name.wrk")$(grep -q Non-2xx "$WORK/$name.wrk" && echo ' (non-2xx!)')"
}
echo "| variant | environment | idle RSS MB | peak RSS MB | req/s |"
echo "|---|---|---:|---:|---:|"
for ((r = 1; r <= ROUNDS; r++)); do
  run server-datas DOTNET_gcServer=1 DOTNET_GCDynamicAdaptationMode=1
  run workstation DOTNET_gcServer=0
  run workstation-nonconcurrent DOTNET_gcServer=0 DOTNET_gcConcurrent=0
  run workstation-conserve DOTNET_gcServer=0 DOTNET_GCConserveMemory=7
  run workstation-gen0-4mb DOTNET_gcServer=0 DOTNET_GCgen0size=0x400000
done
