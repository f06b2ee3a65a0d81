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
#    (go test -run '^$' -fuzz FuzzMatch ./sublist): under the fuzzing engine
#    it sometimes stalls with no progress and then fails with "context
#    deadline exceeded", which needs investigating before it can gate CI.
go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 10s ./conf
go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 10s ./parser
go test -run '^$' -fuzz '^FuzzParseRoute$' -fuzztime 10s ./parser
