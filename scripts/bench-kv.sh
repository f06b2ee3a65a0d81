#!/usr/bin/env bash
# KV put and get latency, natsd against nats-server side by side: one
# operation at a time through nats.go's jetstream KeyValue, per-operation
# latency (avg, P50, P99, P99.9), rate and the server's CPU time per
# operation, in alternating rounds (test/kvbench says how). Needs a
# nats-server binary in NATS_REF_SERVER (the project's tests never do).
# Knobs: ROUNDS, KEYS, GETS, PUTS, SIZE; NATSD (a natsd binary to use
# instead of building this checkout).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${NATS_REF_SERVER:?set NATS_REF_SERVER to a nats-server binary}"
ROUNDS=${ROUNDS:-3} KEYS=${KEYS:-2000} GETS=${GETS:-20000} PUTS=${PUTS:-10000} SIZE=${SIZE:-128}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
natsd=${NATSD:-}
if [ -z "$natsd" ]; then
	go build -o "$tmp/natsd" ./cmd/natsd
	natsd=$tmp/natsd
fi
go build -o "$tmp/kvbench" ./test/kvbench
echo "$(nproc) cores"
"$tmp/kvbench" -a "$natsd" -name-a natsd -b "$NATS_REF_SERVER" -name-b nats-server \
	-rounds "$ROUNDS" -keys "$KEYS" -gets "$GETS" -puts "$PUTS" -size "$SIZE"
