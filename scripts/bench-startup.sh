#!/usr/bin/env bash
# Start-up benchmark: how long a release nearly-server takes to answer /ready 200 on a seeded
# sandbox data dir, from its index snapshot and by a full rebuild (ledger replay), warm and cold
# (data dir files evicted from the page cache), and its resident memory (VmRSS) once ready.
#
# Usage: scripts/bench-startup.sh DATA_DIR [PORT]
#   DATA_DIR: a data dir seeded by `cargo run --release -p nearly-server --example seed -- DIR N`.
#   The script moves DATA_DIR/index.snapshot aside for the rebuild runs and puts it back; the
#   first rebuild writes one if none exists (the server snapshots after a large catch-up and at
#   shutdown). Run it on a copy of a shared data dir: it adds index.snapshot.
# Needs: target/release/nearly-server (cargo build --release -p nearly-server), curl, python3.
# Cold runs evict with posix_fadvise(DONTNEED) after sync, which needs no root.
set -euo pipefail

dir=${1:?usage: $0 DATA_DIR [PORT]}
port=${2:-38417}
bin=${NEARLY_BIN:-target/release/nearly-server}
snap="$dir/index.snapshot"

evict() {
  sync
  python3 - "$dir" <<'PY'
import os, sys
d = sys.argv[1]
for name in os.listdir(d):
    p = os.path.join(d, name)
    if os.path.isfile(p):
        fd = os.open(p, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
PY
}

# run LABEL: starts the server, polls /ready every 10 ms until 200 (at most 600 s), prints the
# time to ready and VmRSS, stops the server by its PID.
run() {
  local label=$1
  local start end pid rss
  start=$(date +%s.%N)
  "$bin" --data-dir "$dir" --listen "127.0.0.1:$port" --log-filter warn >/dev/null 2>&1 &
  pid=$!
  local deadline=$(( $(date +%s) + 600 ))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/ready")" = 200 ]; do
    if ! kill -0 "$pid" 2>/dev/null; then echo "$label: server exited" >&2; return 1; fi
    if [ "$(date +%s)" -gt "$deadline" ]; then echo "$label: not ready in 600 s" >&2; kill "$pid"; return 1; fi
    sleep 0.01
  done
  end=$(date +%s.%N)
  rss=$(awk '/VmRSS/ {print $2, $3}' "/proc/$pid/status")
  printf '%-28s ready in %6.2f s, VmRSS %s\n' "$label" "$(python3 -c "print($end - $start)")" "$rss"
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
}

if [ ! -f "$snap" ]; then
  echo "no snapshot yet: a first rebuild writes one" >&2
  run "rebuild (writes snapshot)"
fi
[ -f "$snap" ] || { echo "the server wrote no snapshot" >&2; exit 1; }
ls -l "$snap" >&2

run "snapshot, warm"
evict; run "snapshot, cold"
mv "$snap" "$snap.bench-aside"
trap 'mv "$snap.bench-aside" "$snap" 2>/dev/null || true' EXIT
# The server snapshots at shutdown: drop that one before each rebuild run.
rm -f "$snap"; run "rebuild, warm"
rm -f "$snap"; evict; run "rebuild, cold"
rm -f "$snap"
