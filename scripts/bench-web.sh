#!/usr/bin/env bash
# Page render benchmark of the web pages (crates/web) with wrk, each page beside the JSON
# endpoint it mirrors, in the same run against the same server and data:
#   GET /                      vs  GET /api/v1/agents?limit=25      (the directory's first page)
#   GET /agents/{id}           vs  GET /api/v1/agents/{id}          (a profile)
# for a popular agent (agent0.near: ~1% of everyone follows and endorses it) and a typical one,
# plus the endorsers endpoint the popular page's cost comes from.
#
# Usage: scripts/bench-web.sh [DATA_DIR]
#
#   DATA_DIR     seeded sandbox data dir, shared with scripts/bench-http.sh (default
#                ${TMPDIR:-/tmp}/nearly-bench-$AGENTS); seeded on first use with
#                bins/nearly-server/examples/seed.rs (minutes: one fsynced commit per agent)
#   AGENTS       agents to seed (default 100000)
#   DURATION     wrk duration per run (default 5s)
#   CONNECTIONS  wrk connections (default 32)
#   THREADS      wrk threads (default 2)
#   PORT         server port (default 18090)
#   OUT          where bodies, logs and results.md go (default target/bench-web)
#
# Requires curl and wrk (apt-get install -y wrk).
set -euo pipefail

cd "$(dirname "$0")/.."
AGENTS=${AGENTS:-100000}
DATA_DIR=${1:-${BENCH_DATA_DIR:-${TMPDIR:-/tmp}/nearly-bench-$AGENTS}}
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
PORT=${PORT:-18090}
OUT=${OUT:-target/bench-web}
SERVER="http://127.0.0.1:$PORT"
mkdir -p "$OUT"

log() { printf 'bench-web: %s\n' "$*" >&2; }

command -v wrk >/dev/null 2>&1 || { log "wrk is missing: apt-get install -y wrk"; exit 1; }

log "building (release)"
cargo build --release -p nearly-server --bin nearly-server --example seed
BIN=target/release/nearly-server
EX=target/release/examples

MARKER="$DATA_DIR/.nearly-bench-seeded-$AGENTS"
if [ ! -f "$MARKER" ]; then
    if [ -e "$DATA_DIR" ]; then
        log "$DATA_DIR exists but was not seeded by a bench script; remove it or pick another dir"
        exit 1
    fi
    log "seeding $AGENTS agents into $DATA_DIR"
    "$EX/seed" "$DATA_DIR" "$AGENTS"
    touch "$MARKER"
fi

SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT

log "starting nearly-server on $DATA_DIR (log: $OUT/server.log)"
RUST_LOG=${RUST_LOG:-warn,nearly_server=info} "$BIN" --listen "127.0.0.1:$PORT" \
    --data-dir "$DATA_DIR" >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 1200); do
    if curl -s -o /dev/null "$SERVER/api/v1/health"; then break; fi
    sleep 0.1
done
curl -sf -o /dev/null "$SERVER/api/v1/health" || { log "server did not come up"; exit 1; }
log "ready: $(curl -s "$SERVER/api/v1/health")"

to_ms() {
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
        else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.2f", v * 1000 }
        else printf "?" }'
}
rps_of() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }
p50_of() { to_ms "$(awk '$1 == "50%" { print $2 }' "$1")"; }
p99_of() { to_ms "$(awk '$1 == "99%" { print $2 }' "$1")"; }
non2xx_of() { awk '/Non-2xx or 3xx responses:/ { print $NF }' "$1"; }

RESULTS="$OUT/results.md"
{
    echo "| page | bytes | req/s | p50 | p99 | JSON endpoint | bytes | req/s | p50 | p99 | page/JSON req/s |"
    echo "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|"
} >"$RESULTS"

one() { # name path -> sets BYTES RPS P50 P99
    local name=$1 path=$2
    curl -s -o "$OUT/$name.body" "$SERVER$path"
    BYTES=$(wc -c <"$OUT/$name.body")
    wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --latency "$SERVER$path" >"$OUT/$name.wrk" 2>&1
    RPS=$(rps_of "$OUT/$name.wrk"); P50=$(p50_of "$OUT/$name.wrk"); P99=$(p99_of "$OUT/$name.wrk")
    local bad; bad=$(non2xx_of "$OUT/$name.wrk")
    if [ -n "$bad" ]; then log "$name: $bad non-2xx answers"; exit 1; fi
}

pair() { # name page-path json-path
    local name=$1 page=$2 json=$3
    log "$name: $page beside $json"
    one "$name.page" "$page"; local pb=$BYTES pr=$RPS p5=$P50 p9=$P99
    one "$name.json" "$json"
    local ratio; ratio=$(awk -v a="$pr" -v b="$RPS" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }')
    printf '| `GET %s` | %s | %s | %s ms | %s ms | `GET %s` | %s | %s | %s ms | %s ms | %sx |\n' \
        "$page" "$pb" "$pr" "$p5" "$p9" "$json" "$BYTES" "$RPS" "$P50" "$P99" "$ratio" >>"$RESULTS"
    tail -n 1 "$RESULTS" >&2
}

pair directory / '/api/v1/agents?limit=25'
pair popular /agents/agent0.near /api/v1/agents/agent0.near
pair typical /agents/agent54321.near /api/v1/agents/agent54321.near
# The popular profile page also reads every endorser of agent0 (about 1,000; it shows 20 per
# suffix): the JSON endpoint that reads the same list, for comparison.
log "components: /api/v1/agents/agent0.near/endorsers"
one popular.endorsers.json /api/v1/agents/agent0.near/endorsers
printf '| (popular page reads the same endorser list as) | | | | | `GET /api/v1/agents/agent0.near/endorsers` | %s | %s | %s ms | %s ms | |\n' \
    "$BYTES" "$RPS" "$P50" "$P99" >>"$RESULTS"
tail -n 1 "$RESULTS" >&2

echo >&2
cat "$RESULTS"
echo
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency; $AGENTS agents; raw output in $OUT/"
