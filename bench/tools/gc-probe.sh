#!/usr/bin/env bash
# A quick probe of runtime settings on the native executable (or the JIT build), without rebuilding: each variant is
# a set of DOTNET_* variables (the GC reads them at start in a Native AOT executable too; values are hexadecimal
# without a 0x prefix, as the runtime parses them). Per variant and round: start `serve` on a fresh folder, record
# VmRSS when idle, run wrk -c32 POST for DUR (6s), then record VmHWM, req/s (2xx only: the rate limit is off) and
# where the resident memory is at the end of the load (/proc/PID/smaps_rollup: anonymous vs file pages; smaps: the
# largest anonymous mappings, which are the GC heap's regions). Not a result by itself: use it to choose, then
# measure the choice with bench/run.sh aot. The last column is the service's CPU time (user + system) per 1,000
# answered records, which on this shared machine says more about a setting's cost than req/s does.
#   EXE=artifacts/bench-native/Respaldo ROUNDS=2 bench/tools/gc-probe.sh [NAME=VAR=VALUE,VAR=VALUE ...]
#   EXE="dotnet artifacts/bin/Respaldo/release/Respaldo.dll" bench/tools/gc-probe.sh jit=DOTNET_gcServer=0
# Without variants it compares the GC settings issue 11 asks about. (DOTNET_gcServer=1 does nothing here: an executable
# published with ServerGarbageCollection=false links the workstation GC only.)
set -euo pipefail
BENCH=$(cd "$(dirname "$0")/.." && pwd)
EXE=${EXE:-$BENCH/../artifacts/bench-native/Respaldo}
ROUNDS=${ROUNDS:-2}
WORK=$(mktemp -d /var/tmp/respaldo-gc-probe.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
kb() { awk -v k="$1:" '$1 == k {print $2}' "$2"; }
run() {
  local name=$1; shift
  local dir=$WORK/$name-$RANDOM port
  mkdir -p "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  # shellcheck disable=SC2086 # EXE may be "dotnet path/Respaldo.dll"
  env "$@" $EXE serve --urls "http://127.0.0.1:$port" --Storage:Directory="$dir" --Security:RateLimit:PermitsPerSecond=0 \
    --Backup:Schedule=off --Logging:LogLevel:Default=Warning >"$WORK/$name.log" 2>&1 &
  local pid=$!
  until curl -s -o /dev/null "http://127.0.0.1:$port/healthz"; do sleep 0.1; done
  local idle; idle=$(kb VmRSS "/proc/$pid/status")
  local cpu0; cpu0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  WRK_MODE=post wrk -t1 -c32 -d"${DUR:-6s}" --timeout 10s -s "$BENCH/wrk/bench.lua" "http://127.0.0.1:$port/store_data/" >"$WORK/$name.wrk" 2>&1
  local hwm anon file heap cpu ok
  cpu=$(( $(awk '{print $14 + $15}' "/proc/$pid/stat") - cpu0 ))
  ok=$(sed -n 's/^BENCH_RESULT //p' "$WORK/$name.wrk" | python3 -c 'import json, sys; r = json.load(sys.stdin); print(sum(v for k, v in r["status"].items() if k.startswith("2")))')
  hwm=$(kb VmHWM "/proc/$pid/status")
  anon=$(kb Anonymous "/proc/$pid/smaps_rollup")
  file=$(( $(kb Rss "/proc/$pid/smaps_rollup") - anon ))
  # The three largest anonymous mappings by resident size (the GC's regions are the big ones).
  heap=$(awk '/^[0-9a-f]+-[0-9a-f]+ /{anon = ($6 == "")} /^Rss:/{if (anon) print $2}' "/proc/$pid/smaps" | sort -rn | head -3 | paste -sd/)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  # CPU: the service's user + system time during the load (clock ticks of 10 ms), per 1,000 answered records.
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "${*:-(defaults)}" "$((idle / 1024))" "$((hwm / 1024))" \
    "$((anon / 1024))" "$((file / 1024))" "$heap" \
    "$(awk '/^Requests\/sec/{printf "%.0f", $2}' "$WORK/$name.wrk")$(grep -q Non-2xx "$WORK/$name.wrk" && echo ' (non-2xx!)')" \
    "$(( cpu * 10 * 1000 / (ok > 0 ? ok : 1) ))"
}
variants=("$@")
if [[ ${#variants[@]} == 0 ]]; then
  variants=(
    defaults=
    nonconcurrent=DOTNET_gcConcurrent=0
    conserve=DOTNET_GCConserveMemory=7
    gen0max-1mb=DOTNET_GCGen0MaxBudget=100000
    gen0max-2mb=DOTNET_GCGen0MaxBudget=200000
  )
fi
echo "| variant | environment | idle RSS MB | peak RSS MB | anon MB at end | file MB at end | largest anon mappings kB | req/s | CPU ms per 1k records |"
echo "|---|---|---:|---:|---:|---:|---|---:|---:|"
for ((r = 1; r <= ROUNDS; r++)); do
  for v in "${variants[@]}"; do
    name=${v%%=*} vars=${v#*=}
    IFS=, read -r -a envs <<<"$vars"
    run "$name" "${envs[@]}"
  done
done
