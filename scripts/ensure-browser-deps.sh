#!/usr/bin/env bash
# Installs what the browser test (test/browser_test.go) needs: Debian's
# chromium and the official NATS WebSocket client from npm (pinned by
# test/browser/package-lock.json). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-chromium.sh
if [ ! -f test/browser/node_modules/nats.ws/esm/nats.js ]; then
	npm ci --prefix test/browser --no-audit --no-fund --silent
fi
