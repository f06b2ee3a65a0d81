#!/usr/bin/env bash
# The whole test suite: what the README's test command and .ci/run run.
set -euo pipefail
cd "$(dirname "$0")/.."

# 0. The browser the dashboard tests drive (test/browser): with CI=true a
#    missing browser fails them, so install it first.
bash scripts/ensure-chromium.sh

# 1. Every package, with the race detector.
go test -race -timeout 20m ./...

# 2. Allocation checks: the race detector allocates, so these run without it.
go test -count=1 -run 'Alloc' ./server ./parser ./sublist ./auth

# 3. A short fuzzing pass over the pure parsers (their seed corpora already
#    ran in step 1). The subject index's FuzzMatch is run by hand
#    (go test -run '^$' -fuzz FuzzMatch -fuzztime 60s ./sublist): the fuzzing
#    engine pauses for seconds at a time on it (locally a pause resumed by
#    itself after ~3 s, and random inputs through the same body with a 3 s
#    watchdog per input ran clean for 60 s), and a pause at the end of a
#    10 s budget fails the run with "context deadline exceeded".
go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 10s ./conf
go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 10s ./parser
go test -run '^$' -fuzz '^FuzzParseRoute$' -fuzztime 10s ./parser
