#!/usr/bin/env bash
# Issue 12's figures, side by side in one run, through bench/S3LatencyProxy (+20 ms per request) to s3rver
# (PayloadMode=Plain). See bench/README.md, "Bundles". Prints JSON lines and a Markdown summary (bench/out/bundle-*/).
#   0. durable intake records/s at 32 connections (wrk, 2xx only), one measurement per round, interleaved with (1),
#      so "keeps pace with intake" compares figures from the same minutes (BENCH_BUNDLE_INTAKE=0 skips it)
#   1. backup records/s, Backup:Layout=Record vs Bundle, same records, BENCH_BUNDLE_ROUNDS interleaved rounds
#   2. requests the proxy forwarded per run (a fresh proxy per run counts them)
#   3. peak RSS of a Bundle backup of BENCH_BUNDLE_MEMORY_RECORDS records (spool on tmpfs, see below)
#   4. GET /records/{id} latency from the bundles of (3), cache warm and cold: p50/p99, requests to the store, serve
#      peak RSS, also with BENCH_READBACK_CLIENTS concurrent clients; with BENCH_RESPALDO_DLL_BEFORE, of two builds side
#      by side (BENCH_READBACK_ROUNDS interleaved rounds)
# BENCH_BUNDLE_ROUNDS=0 skips 1 and 2.
# BENCH_BUNDLE_EXE: the executable every phase runs (deploy/publish.sh's native Respaldo, what install.sh deploys);
#   without it, `dotnet Respaldo.dll` (JIT), whose start-up alone is about a second of a 10,000-record Bundle run.
# BENCH_BUNDLE_SPOOL_FS=loop: the spools of 0-2 on a loop-mounted ext4 image (mkfs.ext4 and mount defaults, so no
#   online `discard`; needs root) instead of /var/tmp on the root disk. Unlinking a spool file frees its data block,
#   and on this VM's root disk (mounted with `discard`) that costs 0.1-1.3 ms a file against about 20 us on the image.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=$REPO/bench
N=${BENCH_BUNDLE_RECORDS:-10000}
ROUNDS=${BENCH_BUNDLE_ROUNDS:-3}
MEM_N=${BENCH_BUNDLE_MEMORY_RECORDS:-300000}
MEM_HOURS=${BENCH_BUNDLE_MEMORY_HOURS:-15}  # BENCH_BUNDLE_MEMORY_EXE: see phase 3
READS=${BENCH_BUNDLE_READS:-200}
INTAKE=${BENCH_BUNDLE_INTAKE:-1}
INTAKE_SECONDS=${BENCH_BUNDLE_INTAKE_SECONDS:-6}
LATENCY_MS=${BENCH_LATENCY_MS:-20}
ARTIFACTS=$(realpath -m "${ArtifactsPath:-$REPO/artifacts}")
RESPALDO_DLL=${BENCH_RESPALDO_DLL:-$ARTIFACTS/bin/Respaldo/release/Respaldo.dll}
PROXY_DLL=$ARTIFACTS/bin/S3LatencyProxy/release/S3LatencyProxy.dll
S3RVER_JS=$REPO/tests/s3rver/node_modules/s3rver/bin/s3rver.js
PY=${BENCH_PYTHON:-/usr/bin/python3}
BUCKET=bench-bucket
if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
    [[ -n ${BENCH_RESPALDO_DLL:-} ]] || dotnet build -c Release "$REPO/src/Respaldo" -v q -nologo >/dev/null
    dotnet build -c Release "$BENCH/S3LatencyProxy" -v q -nologo >/dev/null
fi
[[ -f $S3RVER_JS ]] || (cd "$REPO/tests/s3rver" && npm ci --no-audit --no-fund >/dev/null)

OUT=$BENCH/out/bundle-$(date -u +%Y%m%dT%H%M%SZ); mkdir -p "$OUT"
RESULTS=$OUT/results.jsonl
# Spools of the Record/Bundle comparison are on disk (durable-intake conditions, and each backup empties its own
# spool); the store (s3rver's folder) and the large memory/read-back spool are on tmpfs, so the run never leaves
# hundreds of thousands of files to delete on the shared ext4 disk.
DISK=$(mktemp -d /var/tmp/respaldo-bundle.XXXXXX)
SHM=$(mktemp -d /dev/shm/respaldo-bundle.XXXXXX)
PIDS=()
IMAGE= LOOP=
cleanup() {
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf -- "$SHM"
    [[ -n $LOOP ]] && { umount "$DISK" 2>/dev/null || true; losetup -d "$LOOP" 2>/dev/null || true; rm -f -- "$IMAGE"; }
    rm -rf -- "$DISK"   # only emptied spools are left here
}
trap cleanup EXIT
if [[ ${BENCH_BUNDLE_SPOOL_FS:-} == loop ]]; then
    IMAGE=$(mktemp /var/tmp/respaldo-bundle-image.XXXXXX)
    truncate -s 4G "$IMAGE"; mkfs.ext4 -q -F "$IMAGE"
    LOOP=$(losetup -f --show "$IMAGE"); mount "$LOOP" "$DISK"
fi
log() { echo "[$(date -u +%T)] $*" >&2; }
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_line() { for _ in $(seq 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "timeout waiting for $2 in $1" >&2; return 1; }

S3_PORT=$(free_port)
mkdir -p "$SHM/s3/$BUCKET"
NODE_OPTIONS=--openssl-legacy-provider node "$S3RVER_JS" -d "$SHM/s3" -a 127.0.0.1 -p "$S3_PORT" --silent >"$OUT/s3rver.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 300); do curl -s -o /dev/null "http://127.0.0.1:$S3_PORT/" && break; sleep 0.1; done
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1

PROXY_PID= PROXY_URL= PROXY_LOG=
start_proxy() {
    local port; port=$(free_port)
    PROXY_LOG=$OUT/proxy-$1.log
    dotnet "$PROXY_DLL" --target "http://127.0.0.1:$S3_PORT" --port "$port" --latency-ms "$LATENCY_MS" >"$PROXY_LOG" 2>&1 &
    PROXY_PID=$!; PIDS+=($PROXY_PID)
    PROXY_URL=http://127.0.0.1:$port
    wait_line "$PROXY_LOG" Listening
}
# Stops the proxy; sets PROXY_REQUESTS to how many requests it forwarded (it prints them when it stops).
stop_proxy() {
    kill -TERM "$PROXY_PID"; wait "$PROXY_PID" || true
    PROXY_REQUESTS=$(sed -n 's/^Forwarded \([0-9]*\) requests.*/\1/p' "$PROXY_LOG")
}

backup() {  # backup LABEL LAYOUT DIR PREFIX N
    local label=$1 layout=$2 dir=$3 prefix=$4 n=$5 measured requests left objects run_seconds
    start_proxy "$label"
    log "$label: $layout backup of $n records"
    measured=$(AWS_ENDPOINT_URL=$PROXY_URL "$PY" "$BENCH/tools/measure.py" --log "$OUT/$label.log" --timeout 3600 -- \
        "${RUN[@]}" backup --Storage:Directory="$dir" --Backup:Destination="s3://$BUCKET/$prefix" \
        --Backup:Layout="$layout" --Backup:PayloadMode=Plain --Logging:LogLevel:Default=Warning)
    stop_proxy; requests=$PROXY_REQUESTS
    left=$(find "$dir" -maxdepth 1 -name '*.json' | wc -l)
    objects=$(find "$SHM/s3/$BUCKET/$prefix" -name '*._S3rver_object' 2>/dev/null | wc -l)
    # The run's own time, from its summary line ("... in 1.2 s"): the records' time to the store, without start-up.
    run_seconds=$(grep -o ' in [0-9.]* s' "$OUT/$label.log" | head -1 | tr -dc '0-9.')
    echo "{\"kind\":\"backup\",\"label\":\"$label\",\"layout\":\"$layout\",\"records\":$n,\"requests\":${requests:-null},\"objects\":$objects,\"left\":$left,\"run_seconds\":${run_seconds:-null},${measured#\{}" | tee -a "$RESULTS"
}

# 0: durable intake at 32 connections into a fresh on-disk spool (the same disk as the backups' spools).
intake() {  # intake ROUND
    local port dir=$DISK/intake-r$1 pid result
    port=$(free_port); mkdir -p "$dir"
    "${RUN[@]}" --urls "http://127.0.0.1:$port" --Storage:Directory="$dir" --Backup:Schedule=off \
        --Backup:ProbeAtStart=false --Security:RateLimit:PermitsPerSecond=0 --Logging:LogLevel:Default=Warning >"$OUT/intake-r$1.log" 2>&1 &
    pid=$!; PIDS+=($pid)
    for _ in $(seq 600); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
    WRK_MODE=post wrk -t1 -c32 -d2s --timeout 10s -s "$BENCH/wrk/bench.lua" "http://127.0.0.1:$port/store_data/" >/dev/null
    result=$(WRK_MODE=post wrk -t1 -c32 -d"${INTAKE_SECONDS}s" --timeout 10s -s "$BENCH/wrk/bench.lua" "http://127.0.0.1:$port/store_data/" | sed -n 's/^BENCH_RESULT //p')
    kill -TERM "$pid"; wait "$pid" || true
    "$PY" -c 'import json,sys; r=json.loads(sys.argv[1]); ok=sum(n for s,n in r["status"].items() if 200<=int(s)<300)
print(json.dumps({"kind":"intake","round":int(sys.argv[2]),"conns":32,"ok":ok,"records_per_s":round(ok/(r["duration_us"]/1e6),1),"p99_us":r["p99_us"],"status":r["status"]}))' "$result" "$1" | tee -a "$RESULTS"
}

RUN=(dotnet "$RESPALDO_DLL")
[[ -n ${BENCH_BUNDLE_EXE:-} ]] && RUN=("$BENCH_BUNDLE_EXE")
# 1 + 2: Record vs Bundle, same records (fixed seed), interleaved rounds.
for r in $(seq "$ROUNDS"); do
    [[ $INTAKE == 1 ]] && intake "$r"
    for layout in Record Bundle; do
        dir=$DISK/$layout-r$r
        "$PY" "$BENCH/tools/gen_spool.py" --dir "$dir" --count "$N" --hours 1 --seed 1
        sync
        backup "$layout-r$r" "$layout" "$dir" "$layout-r$r" "$N"
    done
done

# 3: peak RSS of a large Bundle backup; spool on tmpfs (see above), records over MEM_HOURS hours.
dir=$SHM/mem
"$PY" "$BENCH/tools/gen_spool.py" --dir "$dir" --count "$MEM_N" --hours "$MEM_HOURS" --seed 2
ls "$dir" | sed 's/\.json$//' | sort >"$OUT/mem-ids.txt"
mkdir -p "$SHM/samples"
awk 'NR % 997 == 1' "$OUT/mem-ids.txt" | while read -r id; do cp "$dir/$id.json" "$SHM/samples/"; done
# BENCH_BUNDLE_MEMORY_EXE: the executable users deploy (deploy/publish.sh's native Respaldo) for this run only.
SAVED_RUN=("${RUN[@]}")
[[ -n ${BENCH_BUNDLE_MEMORY_EXE:-} ]] && RUN=("$BENCH_BUNDLE_MEMORY_EXE")
backup memory Bundle "$dir" mem "$MEM_N"
RUN=("${SAVED_RUN[@]}")

# 4: read-back from the bundles of (3) through a fresh proxy. Bundles hold MEM_N/MEM_HOURS records each (one per
# hour); the cache keeps 32 MB of records, fewer bundles than MEM_HOURS, so reading bundle 0, 1, 2, ... in turn
# misses every time (cold); reading ids of one bundle already read hits (warm).
per=$(( (MEM_N + MEM_HOURS - 1) / MEM_HOURS ))
"$PY" - "$OUT/mem-ids.txt" "$per" "$MEM_HOURS" "$READS" "$OUT" <<'PYEOF'
import sys
ids = [l.strip() for l in open(sys.argv[1])]
per, hours, reads, out = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
bundles = [ids[i * per:(i + 1) * per] for i in range(hours)]
cold = [bundles[k % hours][1 + k // hours * 7] for k in range(reads)]
warm = [bundles[0][(k * 13) % per] for k in range(reads)]
open(f"{out}/cold-ids.txt", "w").write("\n".join(cold) + "\n")
open(f"{out}/warm-prime.txt", "w").write(bundles[0][0] + "\n")
open(f"{out}/warm-ids.txt", "w").write("\n".join(warm) + "\n")
PYEOF
# Each phase: a fresh proxy (its request count is the phase's) and a fresh service (an empty cache).
# BENCH_RESPALDO_DLL_BEFORE: a second build (e.g. the commit before a change) whose read-back runs beside this one,
# interleaved, BENCH_READBACK_ROUNDS times, so before and after are measured in the same conditions.
# BENCH_READBACK_VARIANTS="name=DLL ...": more builds, run between "before" and "after" (e.g. an intermediate step).
VARIANTS=()
[[ -n ${BENCH_RESPALDO_DLL_BEFORE:-} ]] && VARIANTS+=("before=$BENCH_RESPALDO_DLL_BEFORE")
read -r -a extra <<<"${BENCH_READBACK_VARIANTS:-}"
VARIANTS+=("${extra[@]}" "after=$RESPALDO_DLL")
READ_ROUNDS=${BENCH_READBACK_ROUNDS:-1}
# BENCH_READBACK_CLIENTS (8): the cold reads again from that many clients at once (0 skips it).
CLIENTS=${BENCH_READBACK_CLIENTS:-8}
serve() {  # serve PHASE DLL: starts the service reading s3://bucket/mem through a fresh proxy; sets SERVE_PID, SERVE_URL
    start_proxy "readback-$1"
    local port; port=$(free_port)
    rm -rf -- "$SHM/serve-spool"
    AWS_ENDPOINT_URL=$PROXY_URL dotnet "$2" --urls "http://127.0.0.1:$port" --Storage:Directory="$SHM/serve-spool" \
        --Backup:Destination="s3://$BUCKET/mem" --Backup:Layout=Bundle --Backup:PayloadMode=Plain --Backup:Schedule=off \
        --Backup:ProbeAtStart=false --Security:RateLimit:PermitsPerSecond=0 --Logging:LogLevel:Default=Warning >"$OUT/serve-$1.log" 2>&1 &
    SERVE_PID=$!; PIDS+=($SERVE_PID)
    SERVE_URL=http://127.0.0.1:$port
    for _ in $(seq 600); do curl -sf -o /dev/null "$SERVE_URL/healthz" && break; sleep 0.1; done
}
unserve() {  # unserve PHASE
    echo "{\"kind\":\"serve\",\"phase\":\"$1\",\"vmhwm_kb\":$(awk '/VmHWM/{print $2}' /proc/$SERVE_PID/status)}" | tee -a "$RESULTS"
    kill -TERM "$SERVE_PID"; wait "$SERVE_PID" || true
    stop_proxy
    echo "{\"kind\":\"readback-proxy\",\"phase\":\"$1\",\"requests\":${PROXY_REQUESTS:-null}}" | tee -a "$RESULTS"
}
for r in $(seq "$READ_ROUNDS"); do
    for variant in "${VARIANTS[@]}"; do
        name=${variant%%=*} dll=${variant#*=}
        log "read-back round $r, $name: cold"
        serve "cold-$name-r$r" "$dll"
        "$PY" "$BENCH/tools/readback.py" --url "$SERVE_URL" --ids "$OUT/cold-ids.txt" --check "$SHM/samples" --label "cold-$name-r$r" | tee -a "$RESULTS"
        unserve "cold-$name-r$r"
    done
    for variant in "${VARIANTS[@]}"; do
        ((CLIENTS > 0)) || break
        name=${variant%%=*} dll=${variant#*=}
        log "read-back round $r, $name: cold, $CLIENTS clients at once"
        serve "cold$CLIENTS-$name-r$r" "$dll"
        "$PY" "$BENCH/tools/readback.py" --url "$SERVE_URL" --ids "$OUT/cold-ids.txt" --check "$SHM/samples" --clients "$CLIENTS" \
            --label "cold$CLIENTS-$name-r$r" | tee -a "$RESULTS"
        unserve "cold$CLIENTS-$name-r$r"
    done
    for variant in "${VARIANTS[@]}"; do
        name=${variant%%=*} dll=${variant#*=}
        log "read-back round $r, $name: warm"
        serve "warm-$name-r$r" "$dll"
        "$PY" "$BENCH/tools/readback.py" --url "$SERVE_URL" --ids "$OUT/warm-prime.txt" --label "warm-prime-$name-r$r" | tee -a "$RESULTS"
        "$PY" "$BENCH/tools/readback.py" --url "$SERVE_URL" --ids "$OUT/warm-ids.txt" --check "$SHM/samples" --label "warm-$name-r$r" | tee -a "$RESULTS"
        unserve "warm-$name-r$r"
    done
done
log "results: $RESULTS"
