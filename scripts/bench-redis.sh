#!/usr/bin/env bash
# verify-claim throughput and p99: the Redis nonce store (and Redis rate limits) beside the
# embedded default (nonces in the data dir's log, limits in process), one run, same claims.
#
# Usage: scripts/bench-redis.sh
#   DURATION (default 10s), CONNECTIONS (64), THREADS (2), CLAIMS (150000), ROUNDS (3), BIN,
#   OUT (target/bench-redis). Each round runs both servers (odd rounds the embedded one first,
#   even rounds the Redis one) with freshly signed claims; the verdict is the median of the
#   rounds' ratios (the machine is noisy). Installs wrk and redis-server with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
CLAIMS=${CLAIMS:-150000}
ROUNDS=${ROUNDS:-3}
OUT=${OUT:-target/bench-redis}
mkdir -p "$OUT"
rm -f "$OUT/ratios"
log() { printf 'bench-redis: %s\n' "$*" >&2; }

for tool in wrk redis-server; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
        $SUDO apt-get update && $SUDO apt-get install -y "$tool"
    fi
done

cargo build --release -p nearly-server --bin nearly-server --example sign_claim
# BIN: another build of the server to measure (say, an older commit's) with the same claims.
BIN=${BIN:-target/release/nearly-server}
EX=target/release/examples

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
wait_for() { for _ in $(seq 1 300); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; log "nothing at $1"; exit 1; }

REDIS_PORT=16379
rm -rf "$OUT/appendonlydir"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$OUT" --save '' --appendonly yes \
    --appendfsync everysec >"$OUT/redis.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do redis-cli -p "$REDIS_PORT" PING >/dev/null 2>&1 && break; sleep 0.1; done

start() { # port data-dir [extra args]
    local port=$1 dir=$2; shift 2
    rm -rf "$dir"
    RUST_LOG=warn "$BIN" --listen "127.0.0.1:$port" --data-dir "$dir" --trust-forwarded-for "$@" \
        >"$OUT/server-$port.log" 2>&1 &
    PIDS+=($!)
    wait_for "http://127.0.0.1:$port/api/v1/health"
}
SERVERS=()
fresh_servers() { # every round starts from empty stores: the embedded nonce store holds 262,144
    for p in "${SERVERS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    SERVERS=()
    redis-cli -p "$REDIS_PORT" FLUSHALL >/dev/null
    start 18090 "$OUT/data-inproc"; SERVERS+=("${PIDS[-1]}")
    start 18091 "$OUT/data-redis" --redis-url "redis://127.0.0.1:$REDIS_PORT" --redis-prefix bench
    SERVERS+=("${PIDS[-1]}")
}

cat >"$OUT/verify_claim.lua" <<'LUA'
local bodies, next_index, next_ip, threads, all = {}, 1, 0, 0, {}
statuses = {}
function setup(thread)
    thread:set("thread_id", threads); threads = threads + 1; all[#all + 1] = thread
end
function response(status) if status ~= 200 then statuses[status] = (statuses[status] or 0) + 1 end end
function done()
    local total = {}
    for _, t in ipairs(all) do
        for code, n in pairs(t:get("statuses") or {}) do total[code] = (total[code] or 0) + n end
    end
    for code, n in pairs(total) do io.write(string.format("status %d: %d\n", code, n)) end
end
function init(args)
    local share, n = tonumber(os.getenv("WRK_THREADS") or "1"), 0
    for line in io.lines(os.getenv("CLAIMS_FILE")) do
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

to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/,"",v); printf "%.2f", v/1000 }
    else if (v ~ /ms$/) { sub(/ms$/,"",v); printf "%.2f", v } else if (v ~ /s$/) { sub(/s$/,"",v); printf "%.2f", v*1000 } }'; }
run() { # name port
    "$EX/sign_claim" "$CLAIMS" >"$OUT/claims-$1.jsonl"
    CLAIMS_FILE="$OUT/claims-$1.jsonl" WRK_THREADS=$THREADS wrk -t "$THREADS" -c "$CONNECTIONS" \
        -d "$DURATION" --latency -s "$OUT/verify_claim.lua" "http://127.0.0.1:$2/api/v1/verify-claim" \
        >"$OUT/$1.wrk" 2>&1
}
rps() { awk '/^Requests\/sec:/ { print $2 }' "$OUT/$1.wrk"; }
p99() { to_ms "$(awk '$1 == "99%" { print $2 }' "$OUT/$1.wrk")"; }
non2xx() { n=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$OUT/$1.wrk"); echo "${n:-0}"; }
{
    echo "| round | embedded req/s | embedded p99 | redis req/s | redis p99 | non-2xx | ratio |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    for r in $(seq 1 "$ROUNDS"); do
        fresh_servers >&2
        # Alternate which server goes first, so a drift in the machine's load does not favour one.
        if [ $((r % 2)) -eq 1 ]; then
            run "inproc-$r" 18090; run "redis-$r" 18091
        else
            run "redis-$r" 18091; run "inproc-$r" 18090
        fi
        ratio=$(awk -v a="$(rps "redis-$r")" -v b="$(rps "inproc-$r")" 'BEGIN { printf "%.2f", a / b }')
        echo "$ratio" >>"$OUT/ratios"
        echo "| $r | $(rps "inproc-$r") | $(p99 "inproc-$r") ms | $(rps "redis-$r") | $(p99 "redis-$r") ms | $(( $(non2xx "inproc-$r") + $(non2xx "redis-$r") )) | ${ratio}x |"
    done
    for p in "${SERVERS[@]}"; do kill "$p" 2>/dev/null || true; done
    printf '\nmedian ratio redis / embedded: %sx\n' "$(sort -n "$OUT/ratios" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
} | tee "$OUT/results.md"
