#!/usr/bin/env bash
# Managed bytes allocated per intake request, for the JIT build or the native executable alike: the service's own
# /metrics counter dotnet_gc_heap_total_allocated_bytes_total (GC.GetTotalAllocatedBytes) is read before and after
# a wrk -c32 POST load; bytes per request = (after - before - one scrape's own allocations) / 2xx answers.
# The spool is on tmpfs (/dev/shm): durability is not what this measures, and it spares the shared disk.
#   EXE=artifacts/bench-native/Respaldo bench/tools/alloc-probe.sh [NAME ...]
#   EXE="dotnet artifacts/bin/Respaldo/release/Respaldo.dll" ROUNDS=3 bench/tools/alloc-probe.sh jit
# Prints one Markdown row per round: name, requests, bytes allocated per request, gen0 collections, req/s.
set -euo pipefail
BENCH=$(cd "$(dirname "$0")/.." && pwd)
EXE=${EXE:-$BENCH/../artifacts/bench-native/Respaldo}
ROUNDS=${ROUNDS:-3}
WORK=$(mktemp -d /dev/shm/respaldo-alloc-probe.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
metric() { curl -s "$1/metrics" | awk -v m="$2" 'index($0, m) == 1 && ($0 ~ v || v == "") {print $NF; exit}' v="${3:-}"; }
allocated() { metric "$1" dotnet_gc_heap_total_allocated_bytes_total; }
run() {
  local name=$1 dir=$WORK/$1-$RANDOM port
  mkdir -p "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  local url=http://127.0.0.1:$port
  # shellcheck disable=SC2086 # EXE may be "dotnet path/Respaldo.dll"
  $EXE serve --urls "$url" --Storage:Directory="$dir" --Security:RateLimit:PermitsPerSecond=0 \
    --Backup:Schedule=off --Logging:LogLevel:Default=Warning >"$WORK/$name.log" 2>&1 &
  local pid=$!
  until curl -s -o /dev/null "$url/healthz"; do sleep 0.1; done
  # Warm-up (JIT tiers, pools), then the cost of one scrape, then the measured load.
  WRK_MODE=post wrk -t1 -c32 -d"${WARMUP:-3s}" --timeout 10s -s "$BENCH/wrk/bench.lua" "$url/store_data/" >/dev/null 2>&1
  local a b c g0 g1
  a=$(allocated "$url"); b=$(allocated "$url")
  g0=$(metric "$url" 'dotnet_gc_collections_total' 'gen0')
  WRK_MODE=post wrk -t1 -c32 -d"${DUR:-6s}" --timeout 10s -s "$BENCH/wrk/bench.lua" "$url/store_data/" >"$WORK/$name.wrk" 2>&1
  c=$(allocated "$url")
  g1=$(metric "$url" 'dotnet_gc_collections_total' 'gen0')
  kill "$pid"; wait "$pid" 2>/dev/null || true
  python3 - "$name" "$a" "$b" "$c" "$g0" "$g1" "$WORK/$name.wrk" <<'EOF'
import json, sys
name, a, b, c, g0, g1, wrk = sys.argv[1], *map(int, sys.argv[2:7]), sys.argv[7]
line = next(l for l in open(wrk) if l.startswith("BENCH_RESULT "))
r = json.loads(line.split(" ", 1)[1])
ok = sum(v for k, v in r["status"].items() if k.startswith("2"))
scrape = b - a
print(f"| {name} | {ok:,} | {(c - b - scrape) / ok:,.0f} | {g1 - g0} | {r['rps']:,.0f} |")
EOF
}
echo "| build | 2xx requests | bytes allocated per request | gen0 GCs | req/s |"
echo "|---|---:|---:|---:|---:|"
names=("$@"); [[ ${#names[@]} == 0 ]] && names=(respaldo)
for ((r = 1; r <= ROUNDS; r++)); do
  for n in "${names[@]}"; do run "$n"; done
done
