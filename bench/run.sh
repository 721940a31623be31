#!/usr/bin/env bash
# Respaldo's benchmark harness (issue 5): intake against the same machine's HTTP ceiling and the FastAPI service
# it replaces, backup through a 20 ms latency proxy against `aws s3 cp` + `rm`, peak memory, and growth with the
# backlog. Prints a Markdown table and appends it to bench/RESULTS.md. See bench/README.md.
#
#   bench/run.sh [--full] [all | intake | backup | memory | growth | status | aot | deps | build]...
set -Eeuo pipefail

usage() {
    cat <<'EOF'
Usage: bench/run.sh [--full] [--no-append] [SECTION]...

Sections (default: all = intake backup growth status; memory figures come from those runs):
  intake   durable POST /store_data/ at 1, 32 and 256 connections, next to the Ceiling app and the FastAPI
           baseline, interleaved rounds, medians
  bundle   issue 12 (alone): Record vs Bundle layout, requests, peak RSS, read-back (bench/tools/bundle-bench.sh)
  backup   BENCH_RECORDS spooled records to S3 through the latency proxy: Respaldo `backup` vs aws s3 cp + rm
  memory   peak RSS of the service under intake load and of a large backup (runs its own loads when alone)
  growth   Respaldo backup time for 1k and 10k records (100k with --full)
  status   GET /status latency with 0 and BENCH_STATUS_PENDING records pending
  aot      the Native AOT executable (issue 11) beside the JIT build and FastAPI: intake at 32 connections,
           `backup` of an empty spool against `aws --version`, executable size, peak RSS of a
           BENCH_AOT_RECORDS backup
  deps     only install what is missing (wrk, FastAPI/uvicorn, ...)
  build    only build Release

Options:
  --full        growth up to 100k records and the memory backup at 100k
  --no-append   print the table but do not append it to bench/RESULTS.md

Environment (defaults in brackets):
  BENCH_DURATION [6s]  BENCH_WARMUP [2s]  BENCH_ROUNDS [3]  BENCH_CONNECTIONS ["1 32 256"]
  BENCH_VARIANTS ["ceiling respaldo fastapi"; also respaldo-serial]  BENCH_WRK_THREADS [1]
  BENCH_RECORDS [20000]  BENCH_BACKUP_ROUNDS [1]  BENCH_LATENCY_MS [20]  BENCH_S3 [s3rver | moto]
  BENCH_BACKUP_CONCURRENCY [16 = Respaldo's default Backup:Concurrency; passed to it when set; the S3 server is
           probed at it and at the CLI's 10]
  BENCH_GROWTH ["1000 10000", --full: "1000 10000 100000"]  BENCH_STATUS_PENDING [100000]
  BENCH_AOT_RECORDS [100000]  BENCH_AOT_BACKUP_TOOLS ["native"; add respaldo for the JIT build]
  BENCH_STARTUP_ROUNDS [5]  BENCH_NATIVE_ENV [extra VAR=value for the native serve/backup, e.g. GC settings]
  BENCH_WORKDIR [mktemp under /var/tmp]  BENCH_KEEP=1 keeps the spool folders  BENCH_SKIP_BUILD=1
  ArtifactsPath  where dotnet build puts its output [<repo>/artifacts]
EOF
}

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH/.." && pwd)
COMMAND_LINE="bench/run.sh${*:+ $*}"
for var in BENCH_DURATION BENCH_WARMUP BENCH_ROUNDS BENCH_CONNECTIONS BENCH_VARIANTS BENCH_RECORDS BENCH_S3 \
    BENCH_GROWTH BENCH_STATUS_PENDING BENCH_LATENCY_MS BENCH_BACKUP_ROUNDS BENCH_BACKUP_CONCURRENCY \
    BENCH_AOT_RECORDS BENCH_AOT_BACKUP_TOOLS BENCH_STARTUP_ROUNDS BENCH_NATIVE_ENV; do
    [[ -n ${!var:-} ]] && COMMAND_LINE="$var=\"${!var}\" $COMMAND_LINE"
done

# Issue 12's bundle figures have their own script (separate servers, tmpfs for the large spool); `bundle` runs it
# alone. It prints JSON lines and does not append to RESULTS.md (see bench/README.md, "Bundles").
if [[ ${1:-} == bundle ]]; then
    (($# == 1)) || { echo "bundle runs alone: bench/run.sh bundle (settings via BENCH_BUNDLE_* variables)" >&2; exit 2; }
    exec "$BENCH/tools/bundle-bench.sh"
fi

FULL=0 APPEND=1 SECTIONS=()
for arg in "$@"; do
    case $arg in
        --full) FULL=1 ;;
        --no-append) APPEND=0 ;;
        -h | --help) usage; exit 0 ;;
        all) SECTIONS+=(intake backup growth status) ;;
        intake | backup | memory | growth | status | aot | deps | build) SECTIONS+=("$arg") ;;
        *) echo "unknown argument: $arg" >&2; usage >&2; exit 2 ;;
    esac
done
((${#SECTIONS[@]})) || SECTIONS=(intake backup growth status)
wants() { local s; for s in "${SECTIONS[@]}"; do [[ $s == "$1" ]] && return 0; done; return 1; }

DURATION=${BENCH_DURATION:-6s}
WARMUP=${BENCH_WARMUP:-2s}
ROUNDS=${BENCH_ROUNDS:-3}
CONNECTIONS=${BENCH_CONNECTIONS:-1 32 256}
VARIANTS=${BENCH_VARIANTS:-ceiling respaldo fastapi}
WRK_THREADS=${BENCH_WRK_THREADS:-1}
RECORDS=${BENCH_RECORDS:-20000}
BACKUP_ROUNDS=${BENCH_BACKUP_ROUNDS:-1}
LATENCY_MS=${BENCH_LATENCY_MS:-20}
S3_KIND=${BENCH_S3:-s3rver}
# Respaldo's Backup:Concurrency (default 16): the S3 server is probed at it; passed to `backup` only when set here.
BACKUP_CONCURRENCY=${BENCH_BACKUP_CONCURRENCY:-16}
STATUS_PENDING=${BENCH_STATUS_PENDING:-100000}
if ((FULL)); then GROWTH=${BENCH_GROWTH:-1000 10000 100000}; else GROWTH=${BENCH_GROWTH:-1000 10000}; fi
MEMORY_RECORDS=$((FULL ? 100000 : RECORDS))
AOT_RECORDS=${BENCH_AOT_RECORDS:-100000}
AOT_BACKUP_TOOLS=${BENCH_AOT_BACKUP_TOOLS:-native}
STARTUP_ROUNDS=${BENCH_STARTUP_ROUNDS:-5}
read -r -a NATIVE_ENV <<<"${BENCH_NATIVE_ENV:-}"
BUCKET=bench-bucket

ARTIFACTS=$(realpath -m "${ArtifactsPath:-$REPO/artifacts}")
RESPALDO_DLL=$ARTIFACTS/bin/Respaldo/release/Respaldo.dll
# deploy/publish.sh's Native AOT executable, with its symbols beside it for perf.
RESPALDO_NATIVE=$ARTIFACTS/bench-native/Respaldo
CEILING_DLL=$ARTIFACTS/bin/Ceiling/release/Ceiling.dll
PROXY_DLL=$ARTIFACTS/bin/S3LatencyProxy/release/S3LatencyProxy.dll
# Debian's python runs the FastAPI baseline (python3-fastapi) and the small helpers (standard library only).
DEBIAN_PYTHON=/usr/bin/python3
MOTO=${BENCH_MOTO_SERVER:-/root/.pyenv/shims/moto_server}
[[ -x $MOTO ]] || MOTO=$(command -v moto_server || echo moto_server)
S3RVER_JS=$REPO/tests/s3rver/node_modules/s3rver/bin/s3rver.js

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$BENCH/out/$STAMP                # logs and raw results (git-ignored)
RESULTS=$OUT/results.jsonl
LOGS=$OUT/logs
mkdir -p "$LOGS"
: >"$RESULTS"

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
emit() { printf '%s\n' "$1" >>"$RESULTS"; }
note() { emit "{\"kind\":\"note\",\"text\":$(json_string "$1")}"; log "note: $1"; }
fail_section() { emit "{\"kind\":\"failure\",\"section\":\"$1\",\"text\":$(json_string "$2")}"; log "FAILED [$1]: $2"; }
json_string() { "$DEBIAN_PYTHON" -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }

# ---------------------------------------------------------------- processes and cleanup

PIDS=()
WORK=
SHM=
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
    if [[ -n $WORK && -d $WORK && ${BENCH_KEEP:-0} != 1 ]]; then
        log "removing $WORK"
        rm -rf -- "$WORK"
    fi
    [[ -n $SHM && -d $SHM ]] && rm -rf -- "$SHM"
    return 0
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM HUP

# Starts a server in its own process group (setsid), so stopping it also stops anything it spawned.
# Sets STARTED_PID.
start_bg() {
    local name=$1; shift
    setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
    STARTED_PID=$!
    PIDS+=("$STARTED_PID")
}

stop_pid() {
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || { forget_pid "$pid"; return 0; }
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    forget_pid "$pid"
}
forget_pid() { local p kept=(); for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || kept+=("$p"); done; PIDS=("${kept[@]}"); }

free_port() {
    "$DEBIAN_PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits until URL answers HTTP at all (any status) while PID is alive.
wait_http() {
    local url=$1 pid=$2 name=$3 timeout=${4:-60} start=$SECONDS
    until curl -s -o /dev/null --max-time 2 "$url"; do
        kill -0 "$pid" 2>/dev/null || { tail -20 "$LOGS/$name.log" >&2; die "$name exited before answering at $url"; }
        ((SECONDS - start < timeout)) || { tail -20 "$LOGS/$name.log" >&2; die "$name did not answer at $url within ${timeout}s"; }
        sleep 0.1
    done
}

vm_hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
count_json() { find "$1" -maxdepth 1 -name '*.json' -type f | wc -l; }

# Removes a spool folder outside the measured time, then flushes, so the next measurement starts with a quiet disk.
# (Deleting small files is slow here: about 4,000 per second.)
remove_dir() { rm -rf -- "$1"; sync; }

# Intake folders are set aside (a rename) and deleted only when the run ends: on this ext4 mounted with `discard`,
# deleting tens of thousands of files slows every sync for tens of seconds afterwards (freed blocks are trimmed
# at later journal commits), which would be measured as the next variant's intake latency.
retire_dir() { mkdir -p "$WORK/retired"; mv -- "$1" "$WORK/retired/"; }

# wrk with bench/wrk/bench.lua; prints the BENCH_RESULT JSON object.
run_wrk() {
    local mode=$1 conns=$2 duration=$3 url=$4 threads=$WRK_THREADS
    ((threads > conns)) && threads=$conns
    local output
    output=$(WRK_MODE=$mode wrk -t"$threads" -c"$conns" -d"$duration" --timeout 10s -s "$BENCH/wrk/bench.lua" "$url") ||
        die "wrk failed against $url"
    printf '%s\n' "$output" >>"$LOGS/wrk.log"
    grep '^BENCH_RESULT ' <<<"$output" | sed 's/^BENCH_RESULT //'
}
json_get() { "$DEBIAN_PYTHON" -c $'import json, sys\nv = json.loads(sys.argv[1])\nfor k in sys.argv[2:]: v = v[k]\nprint(v)' "$@"; }
ok_count() { "$DEBIAN_PYTHON" -c 'import json,sys; print(sum(n for s,n in json.loads(sys.argv[1])["status"].items() if 200<=int(s)<300))' "$1"; }

# ---------------------------------------------------------------- setup

ensure_deps() {
    local packages=() sudo=
    ((EUID == 0)) || sudo=sudo
    command -v curl >/dev/null || packages+=(curl)
    command -v wrk >/dev/null || packages+=(wrk)
    [[ -x $DEBIAN_PYTHON ]] || packages+=(python3)
    if [[ ! -x $DEBIAN_PYTHON ]] || ! "$DEBIAN_PYTHON" -c 'import fastapi, uvicorn, pydantic' 2>/dev/null; then
        packages+=(python3-fastapi python3-uvicorn)
    fi
    if wants backup || wants growth || wants memory || wants aot; then
        command -v aws >/dev/null || packages+=(awscli)
        if [[ $S3_KIND == s3rver ]]; then command -v node >/dev/null || packages+=(nodejs); fi
    fi
    if ((${#packages[@]})); then
        log "installing Debian packages: ${packages[*]}"
        $sudo apt-get update
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y "${packages[@]}"
    fi
    command -v dotnet >/dev/null || die "the .NET SDK (dotnet) is not installed; see global.json for the version"
    if [[ $S3_KIND == s3rver && ! -f $S3RVER_JS ]] && { wants backup || wants growth || wants memory || wants aot; }; then
        log "installing s3rver (npm ci in tests/s3rver)"
        # Some nodejs packages bring npm along; Debian's does not.
        command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y npm
        (cd "$REPO/tests/s3rver" && npm ci --no-audit --no-fund)
    fi
}

build() {
    [[ ${BENCH_SKIP_BUILD:-0} == 1 ]] && { log "skipping build (BENCH_SKIP_BUILD=1)"; return; }
    local project
    for project in src/Respaldo/Respaldo.csproj bench/Ceiling/Ceiling.csproj bench/S3LatencyProxy/S3LatencyProxy.csproj; do
        log "building $project (Release)"
        dotnet build -c Release -nologo -v q "$REPO/$project" >>"$LOGS/build.log" 2>&1 ||
            { tail -30 "$LOGS/build.log" >&2; die "build of $project failed (log: $LOGS/build.log)"; }
    done
    if wants aot || [[ " $VARIANTS " == *" native "* ]]; then
        log "publishing the Native AOT executable (deploy/publish.sh $(dirname "$RESPALDO_NATIVE") --symbols)"
        "$REPO/deploy/publish.sh" "$(dirname "$RESPALDO_NATIVE")" --symbols >>"$LOGS/build.log" 2>&1 ||
            { tail -30 "$LOGS/build.log" >&2; die "deploy/publish.sh failed (log: $LOGS/build.log)"; }
    fi
}

make_workdir() {
    WORK=${BENCH_WORKDIR:-$(mktemp -d /var/tmp/respaldo-bench.XXXXXX)}
    mkdir -p "$WORK"
    # Durable intake on a RAM file system would measure nothing: refuse it.
    if [[ $(stat -f -c %T "$WORK") == tmpfs && ${BENCH_ALLOW_TMPFS:-0} != 1 ]]; then
        die "$WORK is on tmpfs; set BENCH_WORKDIR to a folder on the disk the service would use"
    fi
}

# ---------------------------------------------------------------- servers

# The command that runs Respaldo: the JIT build (dotnet Respaldo.dll), or the native executable for names native*.
respaldo_command() {
    if [[ $1 == native* ]]; then RESPALDO_CMD=(env "${NATIVE_ENV[@]}" "$RESPALDO_NATIVE"); else RESPALDO_CMD=(dotnet "$RESPALDO_DLL"); fi
}

# Starts Respaldo's service on DIR; sets SERVER_PID and SERVER_URL. Extra arguments go to its configuration.
# NAME native* runs the native executable instead of the JIT build.
start_respaldo() {
    local dir=$1 name=${2:-respaldo}; shift 2 || shift $#
    local port; port=$(free_port)
    SERVER_URL=http://127.0.0.1:$port
    respaldo_command "$name"
    # Working directory outside the spool; Respaldo's content root is its own folder anyway.
    start_bg "$name" "${RESPALDO_CMD[@]}" --urls "$SERVER_URL" --Storage:Directory="$dir" \
        --Security:RateLimit:PermitsPerSecond=0 --Backup:Schedule=off --Logging:LogLevel:Default=Warning "$@"
    SERVER_PID=$STARTED_PID
    wait_http "$SERVER_URL/healthz" "$SERVER_PID" "$name" 300
}

start_variant() {
    local variant=$1 dir=$2 port; port=$(free_port)
    SERVER_URL=http://127.0.0.1:$port
    case $variant in
        ceiling)
            start_bg ceiling dotnet "$CEILING_DLL" --urls "$SERVER_URL" ;;
        respaldo | native)
            start_respaldo "$dir" "$variant"; return ;;
        respaldo-serial)
            # The group commit without its pipeline: a batch is written only after the previous sync returned.
            start_respaldo "$dir" respaldo-serial --Storage:SyncPipeline=Serial; return ;;
        fastapi)
            # One uvicorn process with its default (pure-Python h11) stack, as the original was deployed.
            RESPALDO_BASELINE_DIR=$dir start_bg fastapi "$DEBIAN_PYTHON" -m uvicorn fastapi_app:app \
                --app-dir "$BENCH/baseline" --host 127.0.0.1 --port "$port" --no-access-log --log-level warning ;;
    esac
    SERVER_PID=$STARTED_PID
    wait_http "$SERVER_URL/" "$SERVER_PID" "$variant" 60
}

# ---------------------------------------------------------------- 1. intake

respaldo_built() { [[ -f $RESPALDO_DLL ]] || { fail_section "$1" "Respaldo is not built: $RESPALDO_DLL is missing"; return 1; }; }

intake_one() {
    local variant=$1 conns=$2 round=$3
    local dir=$WORK/intake-$variant-c$conns-r$round
    mkdir -p "$dir"
    start_variant "$variant" "$dir"
    local warm result
    warm=$(run_wrk post "$conns" "$WARMUP" "$SERVER_URL/store_data/")
    result=$(run_wrk post "$conns" "$DURATION" "$SERVER_URL/store_data/")
    local rss; rss=$(vm_hwm_kb "$SERVER_PID")
    stop_pid "$SERVER_PID"
    # Every acknowledged record must be on disk (in-flight ones at wrk's stop may add more).
    local failed=null files=0 acked
    if [[ $variant != ceiling ]]; then
        files=$(count_json "$dir")
        acked=$(($(ok_count "$warm") + $(ok_count "$result")))
        ((files >= acked)) || failed="\"$acked records acknowledged but only $files files on disk\""
    fi
    local warm_bad; warm_bad=$("$DEBIAN_PYTHON" -c 'import json,sys; r=json.loads(sys.argv[1]); print(sum(n for s,n in r["status"].items() if not 200<=int(s)<300) + sum(r["errors"].values()))' "$warm")
    ((warm_bad == 0)) || failed="\"$warm_bad failed requests during warm-up\""
    retire_dir "$dir"
    emit "{\"kind\":\"intake\",\"variant\":\"$variant\",\"conns\":$conns,\"round\":$round,\"rss_kb\":$rss,\"files\":$files,\"failed\":$failed,${result#\{}"
    log "intake $variant c=$conns round $round: $(json_get "$result" rps) req/s, p99 $(json_get "$result" p99_us) µs, statuses $(json_get "$result" status)"
}

section_intake() {
    local variant conns round
    for variant in $VARIANTS; do
        [[ $variant == respaldo* ]] && { respaldo_built intake || return 0; }
    done
    log "intake: ${ROUNDS} rounds × connections ($CONNECTIONS) × ($VARIANTS), ${DURATION} each after ${WARMUP} warm-up"
    for ((round = 1; round <= ROUNDS; round++)); do
        for conns in $CONNECTIONS; do
            for variant in $VARIANTS; do
                intake_one "$variant" "$conns" "$round"
            done
        done
    done
}

# ---------------------------------------------------------------- S3 server, proxy, spool

S3_PID= S3_URL= S3_DATA= PROXY_PID= PROXY_URL=
S3_ENV=()

start_s3() {
    [[ -n $S3_PID ]] && return
    local port; port=$(free_port)
    S3_URL=http://127.0.0.1:$port
    case $S3_KIND in
        moto)
            [[ -x $MOTO ]] || command -v "$MOTO" >/dev/null || die "moto_server not found (set BENCH_MOTO_SERVER)"
            start_bg moto "$MOTO" -H 127.0.0.1 -p "$port"
            S3_ENV=(AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test) ;;
        s3rver)
            S3_DATA=${S3_DATA_DIR:-$WORK/s3rver}
            mkdir -p "$S3_DATA"
            NODE_OPTIONS=--openssl-legacy-provider start_bg s3rver node "$S3RVER_JS" -d "$S3_DATA" -a 127.0.0.1 -p "$port" --silent
            S3_ENV=(AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER) ;;
        *) die "BENCH_S3 must be moto or s3rver" ;;
    esac
    S3_PID=$STARTED_PID
    S3_ENV+=(AWS_DEFAULT_REGION=us-east-1)
    wait_http "$S3_URL/" "$S3_PID" "$S3_KIND" 60

    [[ -f $PROXY_DLL ]] || die "the latency proxy is not built: $PROXY_DLL is missing"
    port=$(free_port)
    PROXY_URL=http://127.0.0.1:$port
    start_bg proxy dotnet "$PROXY_DLL" --target "$S3_URL" --port "$port" --latency-ms "$LATENCY_MS"
    PROXY_PID=$STARTED_PID
    wait_http "$PROXY_URL/" "$PROXY_PID" proxy 60
    s3_reset
}

aws_direct() { env "${S3_ENV[@]}" aws --endpoint-url "$S3_URL" "$@"; }

# An empty bucket, so no run pays for objects another run left behind (moto slows as objects accumulate).
s3_reset() {
    case $S3_KIND in
        moto)
            curl -sf -X POST "$S3_URL/moto-api/reset" >/dev/null || die "moto reset failed"
            aws_direct s3api create-bucket --bucket "$BUCKET" >>"$LOGS/aws.log" 2>&1 || die "create-bucket failed (log: $LOGS/aws.log)" ;;
        s3rver)
            rm -rf -- "${S3_DATA:?}/$BUCKET"
            aws_direct s3api create-bucket --bucket "$BUCKET" >>"$LOGS/aws.log" 2>&1 || die "create-bucket failed (log: $LOGS/aws.log)" ;;
    esac
}

# `aws s3 ls` exits 1 when nothing matches: that is a count of 0, not an error.
count_objects() { { aws_direct s3 ls --recursive "s3://$BUCKET/$1/" 2>>"$LOGS/aws.log" || true; } | wc -l; }
# One backed-up object read back and compared byte for byte with its source file. Prints what is wrong as a JSON
# string (keeping a copy of a differing object), or nothing.
sample_problem() {  # sample_problem KEY SAMPLE PREFIX SOURCE DOWNLOAD COPY
    local key=$1 sample=$2 prefix=$3 source=$4 download=$5 copy=$6
    if [[ -z $key ]]; then
        echo "\"no object named like $sample under s3://$BUCKET/$prefix/\""
    elif ! aws_direct s3 cp "s3://$BUCKET/$key" "$download" >>"$LOGS/aws.log" 2>&1; then
        echo "\"could not read back s3://$BUCKET/$key (log: $LOGS/aws.log)\""
    elif ! cmp -s "$download" "$source"; then
        cp "$download" "$copy"
        echo "\"s3://$BUCKET/$key differs from the spooled file (copy in $LOGS)\""
    fi
}

# Is the S3 server itself fast enough? Small PUTs/s straight to it and through the proxy, at the CLI's concurrency
# (10) and at Respaldo's; through the proxy a client can at best reach concurrency ÷ latency.
probe_s3() {
    [[ -n ${PROBED:-} ]] && return
    PROBED=1
    local conns result direct_rps=0 via_rps verdict access_key
    access_key=$([[ $S3_KIND == s3rver ]] && echo S3RVER || echo test)
    for conns in 10 "$BACKUP_CONCURRENCY"; do
        result=$(WRK_ACCESS_KEY=$access_key WRK_PUT_PREFIX=direct-c$conns run_wrk put "$conns" 3s "$S3_URL/$BUCKET/probe")
        emit "{\"kind\":\"s3probe\",\"server\":\"$S3_KIND\",\"path\":\"direct\",\"conns\":$conns,${result#\{}"
        direct_rps=$(json_get "$result" rps)
        result=$(WRK_ACCESS_KEY=$access_key WRK_PUT_PREFIX=proxy-c$conns run_wrk put "$conns" 3s "$PROXY_URL/$BUCKET/probe")
        via_rps=$(json_get "$result" rps)
        local ideal=$((conns * 1000 / LATENCY_MS))
        verdict=$("$DEBIAN_PYTHON" -c '
import sys
server, conns, direct, via, ideal = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
if direct >= 1.5 * ideal:
    print(f"At concurrency {conns}, {server} takes {direct:,.0f} PUT/s directly, well above the {ideal:,.0f}/s the proxy allows: the server is not the bottleneck.")
else:
    hint = " Consider BENCH_S3=s3rver." if server == "moto" else ""
    print(f"**At concurrency {conns}, {server} takes only {direct:,.0f} PUT/s directly, not clearly above the {ideal:,.0f}/s the proxy allows: the server may cap the result (through the proxy: {via:,.0f}/s).{hint}**")
' "$S3_KIND" "$conns" "$direct_rps" "$via_rps" "$ideal")
        emit "{\"kind\":\"s3probe\",\"server\":\"$S3_KIND\",\"path\":\"proxy +${LATENCY_MS} ms\",\"conns\":$conns,\"ideal_rps\":$ideal,\"verdict\":$(json_string "$verdict"),${result#\{}"
        log "$verdict"
    done
    s3_reset
}

# A spool of at least N records, written by the service itself, kept for copies. Sets MASTER.
MASTER= MASTER_COUNT=0
ensure_master() {
    local n=$1
    ((MASTER_COUNT >= n)) && return
    MASTER=$WORK/master
    log "spooling $((n - MASTER_COUNT)) records through POST /store_data/ into $MASTER"
    mkdir -p "$MASTER"
    start_respaldo "$MASTER" spool-writer
    "$DEBIAN_PYTHON" "$BENCH/tools/post_records.py" --url "$SERVER_URL" --count $((n - MASTER_COUNT)) --connections 32 \
        >>"$LOGS/post_records.log" || { stop_pid "$SERVER_PID"; die "posting records failed (log: $LOGS/post_records.log)"; }
    stop_pid "$SERVER_PID"
    MASTER_COUNT=$(count_json "$MASTER")
    ((MASTER_COUNT >= n)) || die "the spool holds $MASTER_COUNT records, expected at least $n"
    # Oldest first, as the ids are UUIDv7.
    find "$MASTER" -maxdepth 1 -name '*.json' -printf '%f\n' | sort >"$WORK/master.list"
    sync
}

# Copies the N oldest master records into a fresh folder (only *.json: an identical set for each tool).
copy_records() {
    local n=$1 dir=$2
    mkdir -p "$dir"
    head -n "$n" "$WORK/master.list" | (cd "$MASTER" && xargs cp -t "$dir")
    sync
}

respaldo_has_verb() {
    dotnet "$RESPALDO_DLL" --help 2>/dev/null | grep -qE "^[[:space:]]+$1([[:space:]]|$)"
}

# Backs up N records with TOOL (respaldo | aws-cli) through the proxy; emits a KIND row.
backup_one() {
    local kind=$1 tool=$2 n=$3 round=$4
    local dir=$WORK/$kind-$tool-$n-r$round prefix=$tool-$n-r$round measured failed=null
    copy_records "$n" "$dir"
    log "$kind: $tool uploads $n records through the proxy"
    if [[ $tool == respaldo || $tool == native ]]; then
        local extra=()
        respaldo_command "$tool"
        [[ $S3_KIND == s3rver ]] && extra+=(--Backup:PayloadMode=Plain)
        [[ -n ${BENCH_BACKUP_CONCURRENCY:-} ]] && extra+=(--Backup:Concurrency="$BENCH_BACKUP_CONCURRENCY")
        measured=$(env "${S3_ENV[@]}" AWS_ENDPOINT_URL="$PROXY_URL" "$DEBIAN_PYTHON" "$BENCH/tools/measure.py" \
            --log "$LOGS/$kind-$tool-$n-r$round.log" --timeout 3600 -- \
            "${RESPALDO_CMD[@]}" backup --Storage:Directory="$dir" --Backup:Destination="s3://$BUCKET/$prefix" \
            --Logging:LogLevel:Default=Warning "${extra[@]}")
    else
        # The approach Respaldo replaces; `find -delete` is `rm DIR/*.json` without the argument-list limit.
        measured=$(env "${S3_ENV[@]}" "$DEBIAN_PYTHON" "$BENCH/tools/measure.py" \
            --log "$LOGS/$kind-$tool-$n-r$round.log" --timeout 3600 -- bash -c '
                aws s3 cp --recursive --only-show-errors --no-progress "$1" "$2" --endpoint-url "$3" &&
                find "$1" -maxdepth 1 -name "*.json" -delete' _ "$dir" "s3://$BUCKET/$prefix/" "$PROXY_URL")
    fi
    local exit_code left objects
    exit_code=$(json_get "$measured" exit)
    left=$(count_json "$dir")
    objects=$(count_objects "$prefix")
    if ((exit_code != 0)); then
        failed="\"exit code $exit_code (log: $LOGS/$kind-$tool-$n-r$round.log)\""
    elif ((left != 0)); then
        failed="\"$left records left in the spool after a successful run\""
    elif ((objects < n)); then
        failed="\"only $objects of $n objects in s3://$BUCKET/$prefix/\""
    else
        # One object read back and compared byte for byte with its source file.
        local sample key
        sample=$(sed -n "$(((n + 1) / 2))p" "$WORK/master.list")
        key=$(aws_direct s3 ls --recursive "s3://$BUCKET/$prefix/" 2>>"$LOGS/aws.log" | awk '{print $4}' | grep -F "$sample" | head -1 || true)
        failed=$(sample_problem "$key" "$sample" "$prefix" "$MASTER/$sample" "$WORK/sample.json" "$LOGS/sample-$tool-$n-r$round.json")
        failed=${failed:-null}
    fi
    remove_dir "$dir"
    s3_reset
    local conns=10   # the CLI's default max_concurrent_requests
    [[ $tool == respaldo || $tool == native ]] && conns=$BACKUP_CONCURRENCY
    emit "{\"kind\":\"$kind\",\"tool\":\"$tool\",\"records\":$n,\"round\":$round,\"conns\":$conns,\"objects\":$objects,\"failed\":$failed,${measured#\{}"
    log "$kind: $tool $n records: $(json_get "$measured" seconds) s, exit $exit_code, peak RSS $(json_get "$measured" peak_rss_kb) kB${failed#null}"
}

backup_ready() {
    local section=$1
    respaldo_built "$section" || return 1
    if ! respaldo_has_verb backup; then
        fail_section "$section" "Respaldo has no \`backup\` verb yet (\`dotnet Respaldo.dll --help\` does not list it): Respaldo's side not measured"
        return 1
    fi
}

section_backup() {
    # Without Respaldo's `backup` verb the section still measures the server and the baseline, and fails.
    local has_verb=1 round
    respaldo_built backup || return 0
    backup_ready backup || has_verb=0
    start_s3
    probe_s3
    ensure_master "$RECORDS"
    for ((round = 1; round <= BACKUP_ROUNDS; round++)); do
        ((has_verb)) && backup_one backup respaldo "$RECORDS" "$round"
        backup_one backup aws-cli "$RECORDS" "$round"
    done
}

section_growth() {
    backup_ready growth || return 0
    start_s3
    probe_s3
    local n max=0
    for n in $GROWTH; do ((n > max)) && max=$n; done
    ensure_master "$max"
    for n in $GROWTH; do backup_one growth respaldo "$n" 1; done
}

# ---------------------------------------------------------------- 3. memory (alone)

section_memory() {
    # Intake and backup runs record peak RSS already; when they are not part of this run, do a short one of each.
    if ! wants intake; then
        respaldo_built memory || return 0
        local r
        for r in 32 256; do intake_one respaldo "$r" 1; done
    fi
    if ! wants backup && ! { wants growth && [[ " $GROWTH " == *" $MEMORY_RECORDS "* ]]; }; then
        backup_ready memory || return 0
        start_s3
        ensure_master "$MEMORY_RECORDS"
        backup_one backup respaldo "$MEMORY_RECORDS" 1
    fi
}

# ---------------------------------------------------------------- 4. GET /status against the backlog

status_one() {
    local pending=$1 dir=$WORK/status-$1
    if ((pending > 0)); then ensure_master "$pending"; copy_records "$pending" "$dir"; else mkdir -p "$dir"; fi
    local start; start=$(date +%s%N)
    start_respaldo "$dir" "status-$pending"
    local startup; startup=$("$DEBIAN_PYTHON" -c 'import sys; print(round((int(sys.argv[2]) - int(sys.argv[1])) / 1e9, 2))' "$start" "$(date +%s%N)")
    local code body
    code=$(curl -s -o "$LOGS/status-$pending.json" -w '%{http_code}' "$SERVER_URL/status")
    if [[ $code != 200 ]]; then
        stop_pid "$SERVER_PID"; remove_dir "$dir"
        fail_section status "GET /status answered $code, not 200: the endpoint is missing or failing; section not measured"
        return 1
    fi
    body=$(head -c 300 "$LOGS/status-$pending.json")
    log "status with $pending pending: $body"
    run_wrk get 32 "$WARMUP" "$SERVER_URL/status" >/dev/null
    local result; result=$(run_wrk get 32 "$DURATION" "$SERVER_URL/status")
    local rss; rss=$(vm_hwm_kb "$SERVER_PID")
    stop_pid "$SERVER_PID"
    remove_dir "$dir"
    emit "{\"kind\":\"status\",\"pending\":$pending,\"startup_s\":$startup,\"rss_kb\":$rss,\"body\":$(json_string "$body"),${result#\{}"
}

section_status() {
    respaldo_built status || return 0
    status_one 0 || return 0
    status_one "$STATUS_PENDING" || return 0
}

# ---------------------------------------------------------------- 5. the Native AOT executable (issue 11)

section_aot() {
    respaldo_built aot || return 0
    [[ -x $RESPALDO_NATIVE ]] || { fail_section aot "the native executable is missing: $RESPALDO_NATIVE"; return 0; }
    emit "{\"kind\":\"size\",\"bytes\":$(stat -c %s "$RESPALDO_NATIVE")}"
    # Intake at 32 connections: JIT, native and FastAPI in interleaved rounds (unless the intake section ran them).
    if ! { wants intake && [[ " $VARIANTS " == *" native "* ]]; }; then
        local round variant
        for ((round = 1; round <= ROUNDS; round++)); do
            for variant in respaldo native fastapi; do intake_one "$variant" 32 "$round"; done
        done
    fi
    # Cron's case: `backup` with nothing to do, to an S3 destination, against the AWS CLI's own start-up.
    # The store's folder goes on tmpfs when this section starts it: the large backup below fills it.
    SHM=$(mktemp -d /dev/shm/respaldo-aot.XXXXXX)
    [[ -z $S3_PID ]] && S3_DATA_DIR=$SHM/s3rver
    start_s3
    local empty=$WORK/empty-spool; mkdir -p "$empty"
    local s3=(env "${S3_ENV[@]}" AWS_ENDPOINT_URL="$S3_URL") args=(backup --Storage:Directory="$empty" --Backup:Destination="s3://$BUCKET/empty")
    log "aot: backup of an empty spool, $STARTUP_ROUNDS interleaved rounds: native, JIT, aws --version"
    local line
    while read -r line; do
        emit "{\"kind\":\"startup\",${line#\{}"
    done < <("$DEBIAN_PYTHON" "$BENCH/tools/startup.py" --rounds "$STARTUP_ROUNDS" --log "$LOGS/startup.log" \
        --name native -- "${s3[@]}" "${NATIVE_ENV[@]}" "$RESPALDO_NATIVE" "${args[@]}" \
        --name jit -- "${s3[@]}" dotnet "$RESPALDO_DLL" "${args[@]}" \
        --name aws-version -- aws --version)
    # Peak RSS of a large backup through the latency proxy, spool and store on tmpfs (see aot_backup_one).
    local tool
    for tool in $AOT_BACKUP_TOOLS; do aot_backup_one "$tool" "$AOT_RECORDS"; done
}

# Backs up N records with TOOL (native | respaldo) in the Record layout through the proxy, measured to the end
# (measure.py: VmHWM polled, and ru_maxrss from wait4). The spool is written by tools/gen_spool.py in the exact
# on-disk format, and it and s3rver's folder are on tmpfs (section_aot starts s3rver there): writing, uploading
# and deleting 100,000 small files on the shared ext4 disk (discard) would slow every other sync on the machine
# for minutes. The checks count s3rver's object files instead of listing 100,000 keys over HTTP (which outlasted
# the backup itself once), and read one object back with the AWS CLI, byte for byte.
aot_backup_one() {
    local tool=$1 n=$2 round=1
    local dir=$SHM/spool-$tool-$n prefix=aot-$tool-$n log=$LOGS/aot-backup-$tool-$n.log measured failed=null
    mkdir -p "$dir"
    log "aot-backup: writing $n record files with gen_spool.py into $dir (tmpfs)"
    "$DEBIAN_PYTHON" "$BENCH/tools/gen_spool.py" --dir "$dir" --count "$n" --hours 1 --seed 11 >>"$LOGS/gen_spool.log" 2>&1 ||
        { fail_section aot "gen_spool.py failed (log: $LOGS/gen_spool.log)"; return 0; }
    local sample; sample=$(find "$dir" -maxdepth 1 -name '*.json' -printf '%f\n' | sort | sed -n "$(((n + 1) / 2))p")
    cp "$dir/$sample" "$SHM/sample-source.json"
    local extra=(--Backup:Layout=Record)
    respaldo_command "$tool"
    [[ $S3_KIND == s3rver ]] && extra+=(--Backup:PayloadMode=Plain)
    [[ -n ${BENCH_BACKUP_CONCURRENCY:-} ]] && extra+=(--Backup:Concurrency="$BENCH_BACKUP_CONCURRENCY")
    log "aot-backup: $tool uploads $n records through the proxy"
    measured=$(env "${S3_ENV[@]}" AWS_ENDPOINT_URL="$PROXY_URL" "$DEBIAN_PYTHON" "$BENCH/tools/measure.py" \
        --log "$log" --timeout 3600 -- \
        "${RESPALDO_CMD[@]}" backup --Storage:Directory="$dir" --Backup:Destination="s3://$BUCKET/$prefix" \
        --Logging:LogLevel:Default=Warning "${extra[@]}")
    local exit_code left objects key
    exit_code=$(json_get "$measured" exit)
    left=$(count_json "$dir")
    if [[ $S3_KIND == s3rver ]]; then
        objects=$(find "$S3_DATA/$BUCKET/$prefix" -name '*._S3rver_object' 2>/dev/null | wc -l)
        key=$(cd "$S3_DATA/$BUCKET" 2>/dev/null && find "$prefix" -name "$sample._S3rver_object" | head -1)
        key=${key%._S3rver_object}
    else
        objects=$(count_objects "$prefix")
        key=$(aws_direct s3 ls --recursive "s3://$BUCKET/$prefix/" 2>>"$LOGS/aws.log" | awk '{print $4}' | grep -F "$sample" | head -1 || true)
    fi
    if ((exit_code != 0)); then
        failed="\"exit code $exit_code (log: $log)\""
    elif ((left != 0)); then
        failed="\"$left records left in the spool after a successful run\""
    elif ((objects < n)); then
        failed="\"only $objects of $n objects under s3://$BUCKET/$prefix/\""
    else
        failed=$(sample_problem "$key" "$sample" "$prefix" "$SHM/sample-source.json" "$SHM/sample.json" "$LOGS/sample-aot-$tool-$n.json")
        failed=${failed:-null}
    fi
    rm -rf -- "$dir"
    s3_reset
    emit "{\"kind\":\"aot-backup\",\"tool\":\"$tool\",\"records\":$n,\"round\":$round,\"conns\":$BACKUP_CONCURRENCY,\"objects\":$objects,\"failed\":$failed,${measured#\{}"
    log "aot-backup: $tool $n records: $(json_get "$measured" seconds) s, exit $exit_code, peak RSS $(json_get "$measured" peak_rss_kb) kB${failed#null}"
}

# ---------------------------------------------------------------- main

main() {
    cd "$REPO"
    LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
    log "sections: ${SECTIONS[*]}; logs and raw results in $OUT"
    ensure_deps
    wants deps && [[ ${#SECTIONS[@]} == 1 ]] && return
    build
    wants build && [[ ${#SECTIONS[@]} == 1 ]] && return
    make_workdir
    log "spool folders in $WORK ($(stat -f -c %T "$WORK"))"
    # Servers start here, so nothing they write by default (data/...) lands in the repository.
    cd "$WORK"

    local section
    for section in intake backup growth status memory aot; do
        wants "$section" && "section_$section"
    done
    [[ -n $PROXY_PID ]] && stop_pid "$PROXY_PID"
    [[ -n $S3_PID ]] && stop_pid "$S3_PID"

    local table status=0
    table=$("$DEBIAN_PYTHON" "$BENCH/tools/report.py" "$RESULTS") || status=$?
    local header
    header=$(
        printf '## %s\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
        printf -- '- command: `%s`\n' "$COMMAND_LINE"
        printf -- '- machine: %s cores, %s, Linux %s, %s; spool on %s\n' "$(nproc)" \
            "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)" "$(uname -r)" \
            "$(awk '/MemTotal/ {printf "%.0f GiB RAM", $2 / 1048576}' /proc/meminfo)" \
            "$(df -T "$WORK" | awk 'NR == 2 {print $2}') ($(findmnt -n -o OPTIONS -T "$WORK" 2>/dev/null | tr ',' ' ' | grep -o 'discard' || echo 'no discard'))"
        printf -- '- commit: %s%s; dotnet %s; wrk -t%s, %s per measurement after %s warm-up, %s rounds\n' \
            "$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')" \
            "$(git -C "$REPO" diff --quiet HEAD 2>/dev/null || echo ' (+ uncommitted changes)')" \
            "$(dotnet --version)" "$WRK_THREADS" "$DURATION" "$WARMUP" "$ROUNDS"
        printf -- '- load average when the run started: %s\n' "$LOAD_AT_START"
        if wants growth && ((!FULL)); then printf -- '- growth: %s records; `--full` adds 100k\n' "$GROWTH"; fi
    )
    printf '%s\n\n%s\n' "$header" "$table"
    if ((APPEND)); then
        [[ -f $BENCH/RESULTS.md ]] || printf '# Benchmark results\n\nAppended by `bench/run.sh`; see bench/README.md for what each number means.\n\n' >"$BENCH/RESULTS.md"
        printf '%s\n\n%s\n\n' "$header" "$table" >>"$BENCH/RESULTS.md"
        log "appended to bench/RESULTS.md"
    fi
    ((status == 0)) || log "some measurements failed (see Failures above); exit code 1"
    return "$status"
}

main
