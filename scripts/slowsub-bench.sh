#!/usr/bin/env bash
# slowsub-bench.sh — issue 17's scenario: does one slow subscriber stall its
# neighbours? Builds natsd (or takes a server binary), starts it on free
# ports, and runs scripts/slowsub against it: a publisher at 20,000 msgs/s of
# 1 KiB, a healthy nats.go subscriber recording latency, and a subscriber
# with a 4 KiB receive buffer that never reads. Prints the healthy
# subscriber's P50/P99/max latency and the server's RSS (before, peak, and
# 10 s after the cut-off). A measurement, not a test: compare builds side by
# side, on a machine as quiet as you can get.
#
# Usage: scripts/slowsub-bench.sh [SERVER_BIN] [-- extra slowsub flags]
#   e.g. scripts/slowsub-bench.sh ./natsd-old -- -slow=false
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=$(mktemp -d -t slowsub.XXXXXX)
BIN=""
if [ $# -gt 0 ] && [ "$1" != "--" ]; then BIN=$(readlink -f "$1"); shift; fi
[ $# -gt 0 ] && [ "$1" = "--" ] && shift
if [ -z "$BIN" ]; then
  go build -o "$WORK/natsd" ./cmd/natsd
  BIN=$WORK/natsd
fi
go build -o "$WORK/slowsub" ./scripts/slowsub

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port); MPORT=$(free_port)
"$BIN" -a 127.0.0.1 -p "$PORT" -m "$MPORT" >"$WORK/server.log" 2>&1 &
SPID=$!
trap 'kill $SPID 2>/dev/null; wait $SPID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$MPORT/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
"$WORK/slowsub" -addr "127.0.0.1:$PORT" -mon "127.0.0.1:$MPORT" -pid "$SPID" "$@"
grep -m1 -i "slow consumer" "$WORK/server.log" || true
