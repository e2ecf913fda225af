#!/usr/bin/env bash
# `make run`: the demo warehouse's emulator in the background, the portal in the foreground.
#
# The emulator must answer while the portal runs, so that "Run backfill" and "Sync now" work
# on the demo source. Ctrl-C (or the portal stopping for any reason) stops both.
#
#   bash scripts/run-demo.sh HOST PORT     # DEMO_PORT picks the emulator's port (8765)
set -euo pipefail

cd "$(dirname "$0")/.."
HOST=${1:-127.0.0.1}
PORT=${2:-8000}
DEMO_PORT=${DEMO_PORT:-8765}
PY=.venv/bin/python

PYTHONUNBUFFERED=1 $PY manage.py demo_warehouse serve --host 127.0.0.1 --port "$DEMO_PORT" >var/demo-warehouse.log 2>&1 &
emulator=$!
stop() {
    kill "$emulator" 2>/dev/null && wait "$emulator" 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT TERM

# The emulator records its address on the demo source once it listens.
for _ in $(seq 1 120); do
    if ! kill -0 "$emulator" 2>/dev/null; then
        echo "The demo warehouse emulator did not start; see var/demo-warehouse.log:" >&2
        tail -n 20 var/demo-warehouse.log >&2
        exit 1
    fi
    grep -q "Ctrl-C stops the server" var/demo-warehouse.log 2>/dev/null && break
    sleep 0.5
done
echo "Demo warehouse emulator on http://127.0.0.1:$DEMO_PORT (its log: var/demo-warehouse.log)"
echo "Lineage Portal on http://$HOST:$PORT/  (Ctrl-C stops both)"
$PY manage.py runserver "$HOST:$PORT"
