#!/usr/bin/env bash
# Leaf node throughput and CPU per message: a publisher on a leaf server,
# the subscriber on its hub, natsd↔natsd against nats-server↔nats-server,
# side by side in one run, alternating rounds. Needs a nats-server binary in
# NATS_REF_SERVER (the project's tests never do). Knobs: MSGS, SIZE, ROUNDS,
# COMPRESSION (the leaf compression of both pairs, hub and remote alike: the
# default s2_auto, which on loopback frames without compressing, or off,
# s2_fast, s2_better, s2_best).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${NATS_REF_SERVER:?set NATS_REF_SERVER to a nats-server binary}"
MSGS=${MSGS:-200000} SIZE=${SIZE:-128} ROUNDS=${ROUNDS:-3} COMPRESSION=${COMPRESSION:-${REF_COMPRESSION:-s2_auto}}

tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
go build -o "$tmp/natsd" ./cmd/natsd
go build -o "$tmp/leafbench" ./test/leafbench

waitport() { # pid port: waits until port accepts, false if pid exited
	for _ in $(seq 50); do
		if ! kill -0 "$1" 2>/dev/null; then return 1; fi
		if (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	return 1
}

pair() { # name binary compression: starts a hub and a leaf; sets $hub_pid $leaf_pid $hub_url $leaf_url
	local attempt hport lport cport
	for attempt in 1 2 3 4 5; do
		# Below the kernel's ephemeral range, so clients do not take them.
		hport=$((10000 + RANDOM % 10000)) lport=$((20000 + RANDOM % 10000)) cport=$((10000 + RANDOM % 10000))
		printf 'listen: "127.0.0.1:%s"\nleafnodes { listen: "127.0.0.1:%s", compression: %s }\n' "$hport" "$lport" "$3" >"$tmp/$1-hub.conf"
		printf 'listen: "127.0.0.1:%s"\nleafnodes { remotes: [ { url: "nats://127.0.0.1:%s", compression: %s } ] }\n' "$cport" "$lport" "$3" >"$tmp/$1-leaf.conf"
		"$2" -c "$tmp/$1-hub.conf" >"$tmp/$1-hub.log" 2>&1 &
		hub_pid=$!
		if ! waitport "$hub_pid" "$lport"; then kill "$hub_pid" 2>/dev/null || true; continue; fi
		"$2" -c "$tmp/$1-leaf.conf" >"$tmp/$1-leaf.log" 2>&1 &
		leaf_pid=$!
		if ! waitport "$leaf_pid" "$cport"; then kill "$hub_pid" "$leaf_pid" 2>/dev/null || true; continue; fi
		pids+=("$hub_pid" "$leaf_pid")
		hub_url="nats://127.0.0.1:$hport" leaf_url="nats://127.0.0.1:$cport"
		return
	done
	echo "$1 did not start:" >&2
	cat "$tmp/$1"-*.log >&2
	exit 1
}
pair natsd "$tmp/natsd" "$COMPRESSION"
n_pids="$hub_pid,$leaf_pid" n_hub=$hub_url n_leaf=$leaf_url
pair nats-server "$NATS_REF_SERVER" "$COMPRESSION"
r_pids="$hub_pid,$leaf_pid" r_hub=$hub_url r_leaf=$leaf_url

echo "$(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg), leaf compression: $COMPRESSION"
for r in $(seq "$ROUNDS"); do
	"$tmp/leafbench" -name natsd -hub "$n_hub" -leaf "$n_leaf" -pids "$n_pids" -msgs "$MSGS" -size "$SIZE"
	"$tmp/leafbench" -name nats-server -hub "$r_hub" -leaf "$r_leaf" -pids "$r_pids" -msgs "$MSGS" -size "$SIZE"
done
