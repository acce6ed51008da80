#!/usr/bin/env bash
# HTTP benchmark of nearly-server with wrk, each endpoint beside a bare-axum baseline that
# answers the same number of bytes (bins/nearly-server/examples/baseline.rs).
#
# Usage: scripts/bench-http.sh [DATA_DIR]
#
#   DATA_DIR     seeded sandbox data dir, reused across runs (default
#                ${TMPDIR:-/tmp}/nearly-bench-$AGENTS); seeded on first use (minutes: one fsynced
#                ledger commit per agent), refused if it exists without the seed marker.
#   AGENTS       agents to seed (default 100000)
#   DURATION     wrk duration per run (default 10s)
#   CONNECTIONS  wrk connections (default 64)
#   THREADS      wrk threads (default 2)
#   PORT         server port (default 18080); BASE_PORT baseline port (default 18081)
#   CLAIMS       pre-signed verify-claim bodies (default 150000; beyond them requests replay)
#   OUT          where bodies, logs and results.md go (default target/bench-http)
#
# Requires curl; installs wrk with apt-get when missing.
set -euo pipefail

cd "$(dirname "$0")/.."
AGENTS=${AGENTS:-100000}
DATA_DIR=${1:-${BENCH_DATA_DIR:-${TMPDIR:-/tmp}/nearly-bench-$AGENTS}}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
PORT=${PORT:-18080}
BASE_PORT=${BASE_PORT:-18081}
CLAIMS=${CLAIMS:-150000}
OUT=${OUT:-target/bench-http}
SERVER="http://127.0.0.1:$PORT"
BASELINE="http://127.0.0.1:$BASE_PORT"
mkdir -p "$OUT"

log() { printf 'bench-http: %s\n' "$*" >&2; }

# --- wrk -------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
    log "installing wrk"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
    $SUDO apt-get update
    $SUDO apt-get install -y wrk
fi

# --- build -----------------------------------------------------------------------------------
log "building (release)"
cargo build --release -p nearly-server --bin nearly-server \
    --example seed --example baseline --example sign_claim
BIN=target/release/nearly-server
EX=target/release/examples

# --- seed ------------------------------------------------------------------------------------
MARKER="$DATA_DIR/.nearly-bench-seeded-$AGENTS"
if [ ! -f "$MARKER" ]; then
    if [ -e "$DATA_DIR" ]; then
        log "$DATA_DIR exists but was not seeded by this script; remove it or pick another dir"
        exit 1
    fi
    log "seeding $AGENTS agents into $DATA_DIR"
    "$EX/seed" "$DATA_DIR" "$AGENTS"
    touch "$MARKER"
fi

# --- processes -------------------------------------------------------------------------------
SERVER_PID=""
BASE_PID=""
cleanup() {
    if [ -n "$BASE_PID" ]; then kill "$BASE_PID" 2>/dev/null || true; fi
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT

wait_for() { # url
    for _ in $(seq 1 600); do
        if curl -s -o /dev/null "$1"; then return 0; fi
        sleep 0.1
    done
    log "nothing answers at $1"
    exit 1
}

log "starting nearly-server on $DATA_DIR (log: $OUT/server.log)"
started=$(date +%s.%N)
RUST_LOG=${RUST_LOG:-warn,nearly_server=info} "$BIN" --listen "127.0.0.1:$PORT" \
    --data-dir "$DATA_DIR" --trust-forwarded-for >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
wait_for "$SERVER/api/v1/health"
log "ready after $(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s: $(curl -s "$SERVER/api/v1/health")"

# --- wrk scripts -----------------------------------------------------------------------------
# verify-claim: each thread cycles through its share of the pre-signed claims, and the requests
# rotate through 20,000 X-Forwarded-For addresses (10,000 per thread; the server trusts the
# header here), so the 60/min/IP limit does not turn the run into a 429 benchmark while the
# rate limiter stays under its 100,000-key cap.
cat >"$OUT/verify_claim.lua" <<'LUA'
local bodies = {}
local next_index = 1
local next_ip = 0
local threads = 0
function setup(thread)
    thread:set("thread_id", threads)
    threads = threads + 1
end
function init(args)
    local file = os.getenv("CLAIMS_FILE")
    local share = tonumber(os.getenv("WRK_THREADS") or "1")
    local n = 0
    for line in io.lines(file) do
        if n % share == (thread_id or 0) then bodies[#bodies + 1] = line end
        n = n + 1
    end
end
function request()
    local body = bodies[next_index]
    next_index = next_index % #bodies + 1
    next_ip = (next_ip + 1) % 10000
    local ip = string.format("10.%d.%d.%d", thread_id or 0, math.floor(next_ip / 100), next_ip % 100 + 1)
    return wrk.format("POST", "/api/v1/verify-claim",
        { ["Content-Type"] = "application/json", ["X-Forwarded-For"] = ip }, body)
end
LUA

# --- one measurement -------------------------------------------------------------------------
to_ms() { # wrk latency like 850.00us / 1.23ms / 1.01s
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
        else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.2f", v * 1000 }
        else printf "?" }'
}

run_wrk() { # name target-base path [lua]
    local name=$1 base=$2 path=$3 lua=${4:-}
    local args=(-t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --latency)
    if [ -n "$lua" ]; then args+=(-s "$lua"); fi
    WRK_THREADS=$THREADS wrk "${args[@]}" "$base$path" >"$OUT/$name.wrk" 2>&1
}

rps_of() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }
p99_of() { to_ms "$(awk '$1 == "99%" { print $2 }' "$1")"; }
non2xx_of() { awk '/Non-2xx or 3xx responses:/ { print $NF }' "$1"; }

RESULTS="$OUT/results.md"
{
    echo "| endpoint | bytes | nearly req/s | baseline req/s | ratio | nearly p99 | baseline p99 | non-2xx |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
} >"$RESULTS"

measure() { # name method path [lua] [claim-body-file]
    local name=$1 method=$2 path=$3 lua=${4:-} body=${5:-}
    if [ "$method" = POST ]; then
        curl -s -X POST -H 'content-type: application/json' --data-binary "@$body" \
            -o "$OUT/$name.body" "$SERVER$path"
    else
        curl -s -o "$OUT/$name.body" "$SERVER$path"
    fi
    local bytes
    bytes=$(wc -c <"$OUT/$name.body")
    "$EX/baseline" "127.0.0.1:$BASE_PORT" "$OUT/$name.body" 2>>"$OUT/baseline.log" &
    BASE_PID=$!
    wait_for "$BASELINE/"
    log "$name: $method $path ($bytes bytes)"
    run_wrk "$name.nearly" "$SERVER" "$path" "$lua"
    run_wrk "$name.baseline" "$BASELINE" "$path" "$lua"
    kill "$BASE_PID" 2>/dev/null || true
    wait "$BASE_PID" 2>/dev/null || true
    BASE_PID=""
    local n b ratio
    n=$(rps_of "$OUT/$name.nearly.wrk")
    b=$(rps_of "$OUT/$name.baseline.wrk")
    ratio=$(awk -v n="$n" -v b="$b" 'BEGIN { if (b > 0) printf "%.2f", n / b; else print "?" }')
    printf '| %s `%s %s` | %s | %s | %s | %sx | %s ms | %s ms | %s |\n' "$name" "$method" "$path" \
        "$bytes" "$n" "$b" "$ratio" "$(p99_of "$OUT/$name.nearly.wrk")" \
        "$(p99_of "$OUT/$name.baseline.wrk")" "$(non2xx_of "$OUT/$name.nearly.wrk")" >>"$RESULTS"
    tail -n 1 "$RESULTS" >&2
}

# --- the runs --------------------------------------------------------------------------------
measure health GET /api/v1/health

status=$(curl -s -o /dev/null -w '%{http_code}' "$SERVER/api/v1/agents?limit=25")
if [ "$status" = 200 ]; then
    measure profile GET /api/v1/agents/agent0.near
    measure list GET '/api/v1/agents?limit=25'
    measure followers GET /api/v1/agents/agent0.near/followers
else
    log "GET /api/v1/agents answers $status: graph endpoints not served yet, skipping them"
    echo "| graph endpoints | - | not served (GET /api/v1/agents answered $status) | | | | | |" >>"$RESULTS"
fi

log "signing $CLAIMS claims"
"$EX/sign_claim" "$CLAIMS" >"$OUT/claims.jsonl"
"$EX/sign_claim" 1 >"$OUT/claim-probe.json"
export CLAIMS_FILE="$OUT/claims.jsonl"
measure verify_claim POST /api/v1/verify-claim \
    "$OUT/verify_claim.lua" "$OUT/claim-probe.json"
total=$(awk '/requests in/ { print $1 }' "$OUT/verify_claim.nearly.wrk")
log "verify-claim: $total requests for $CLAIMS distinct claims (requests beyond them are replays, answered {valid:false, reason:\"replay\"} with 200)"

echo >&2
cat "$RESULTS"
echo
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency; $AGENTS agents; raw output in $OUT/"
