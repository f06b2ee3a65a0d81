#!/usr/bin/env bash
# Installs what the browser tests (test/browser_test.go) need: Debian's
# chromium, and the official NATS WebSocket clients from npm (nats.ws and
# @nats-io/nats-core, pinned by test/browser/package-lock.json), with
# nats-core bundled for the browser by esbuild. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-chromium.sh
cd test/browser
if [ ! -f node_modules/nats.ws/esm/nats.js ] || [ ! -f node_modules/@nats-io/nats-core/lib/mod.js ] || [ ! -x node_modules/.bin/esbuild ]; then
	npm ci --no-audit --no-fund --silent
fi
if [ ! -f build/nats-core.js ] || [ package-lock.json -nt build/nats-core.js ]; then
	node_modules/.bin/esbuild --bundle --format=esm --log-level=warning \
		node_modules/@nats-io/nats-core/lib/mod.js --outfile=build/nats-core.js
fi
