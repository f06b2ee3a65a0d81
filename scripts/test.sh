#!/usr/bin/env bash
# The whole test suite: what the README's test command and .ci/run run.
set -euo pipefail
cd "$(dirname "$0")/.."

# 1. Every package, with the race detector.
go test -race -timeout 20m ./...

# 2. Allocation checks: the race detector allocates, so these run without it.
go test -count=1 -run 'Alloc' ./server ./parser ./sublist ./auth

# 3. A short fuzzing pass over the pure parsers (their seed corpora already
#    ran in step 1). The subject index's FuzzMatch is run by hand
#    (go test -run '^$' -fuzz FuzzMatch -fuzztime 60s ./sublist): the fuzzing
#    engine pauses for seconds at a time on it (no test input hangs: a
#    goroutine dump during a pause showed none, and 2M random inputs with a
#    watchdog ran clean), and a pause at the end of a 10 s budget fails the
#    run with "context deadline exceeded".
go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 10s ./conf
go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 10s ./parser
go test -run '^$' -fuzz '^FuzzParseRoute$' -fuzztime 10s ./parser
