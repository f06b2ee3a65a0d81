#!/usr/bin/env bash
# WebSocket pub/sub throughput and server CPU per message, natsd against
# nats-server with the same websocket block, side by side in one run,
# alternating rounds. Needs a nats-server binary in NATS_REF_SERVER (the
# project's tests never do). Knobs: MSGS, SIZE, PUBS, SUBS, ROUNDS, COMPRESS.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${NATS_REF_SERVER:?set NATS_REF_SERVER to a nats-server binary}"
MSGS=${MSGS:-200000} SIZE=${SIZE:-128} PUBS=${PUBS:-1} SUBS=${SUBS:-1} ROUNDS=${ROUNDS:-3} COMPRESS=${COMPRESS:-false}

tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
go build -o "$tmp/natsd" ./cmd/natsd
go build -o "$tmp/wsbench" ./test/wsbench

start() { # name binary: starts a server on free ports, sets $pid and $url
	local attempt port wsport
	for attempt in 1 2 3 4 5; do
		# Below the kernel's ephemeral range, so clients do not take them.
		port=$((10000 + RANDOM % 10000)) wsport=$((20000 + RANDOM % 10000))
		cat >"$tmp/$1.conf" <<CONF
listen: "127.0.0.1:$port"
websocket { listen: "127.0.0.1:$wsport", no_tls: true, compression: $COMPRESS }
CONF
		"$2" -c "$tmp/$1.conf" >"$tmp/$1.log" 2>&1 &
		pid=$!
		url="ws://127.0.0.1:$wsport"
		for _ in $(seq 50); do
			if ! kill -0 "$pid" 2>/dev/null; then break; fi # exited: port taken
			if (exec 3<>"/dev/tcp/127.0.0.1/$wsport") 2>/dev/null; then
				pids+=("$pid")
				return
			fi
			sleep 0.1
		done
		kill "$pid" 2>/dev/null || true
	done
	echo "$1 did not start:" >&2
	cat "$tmp/$1.log" >&2
	exit 1
}
start natsd "$tmp/natsd"
natsd_pid=$pid natsd_url=$url
start nats-server "$NATS_REF_SERVER"
ref_pid=$pid ref_url=$url

echo "$(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do
	for which in natsd nats-server; do
		if [ "$which" = natsd ]; then p=$natsd_pid u=$natsd_url; else p=$ref_pid u=$ref_url; fi
		"$tmp/wsbench" -name "$which" -url "$u" -pid "$p" -msgs "$MSGS" -size "$SIZE" \
			-pubs "$PUBS" -subs "$SUBS" -compress="$COMPRESS"
	done
done
