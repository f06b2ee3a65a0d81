#!/usr/bin/env bash
# The whole test suite: what the README's test command and .ci/run run.
set -euo pipefail
cd "$(dirname "$0")/.."

# 0. natscli for the operator tests (test/natscli_stream_test.go): built
#    once from the Go module proxy into a cache directory, then reused.
NATSCLI_VERSION=v0.5.0
NATSCLI_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/natsd-test/natscli-$NATSCLI_VERSION"
if [ ! -x "$NATSCLI_DIR/nats" ]; then
  GOBIN="$NATSCLI_DIR" go install "github.com/nats-io/natscli/nats@$NATSCLI_VERSION"
fi
export NATS_CLI="$NATSCLI_DIR/nats"
export NATSD_REQUIRE_NATSCLI=1

# 0b. What the browser test needs (Chromium, the nats.ws client from npm) and the dashboard tests (test/browser) need.
bash scripts/ensure-browser-deps.sh

# 1. Every package, with the race detector.
go test -race -timeout 20m ./...

# 2. Allocation checks: the race detector allocates, so these run without it.
go test -count=1 -run 'Alloc' ./server ./parser ./sublist ./auth ./transform ./websocket ./outq ./ratelimit

# 3. A short fuzzing pass over the pure parsers (their seed corpora already
#    ran in step 1). The subject index's FuzzMatch is run by hand
#    (go test -run '^$' -fuzz FuzzMatch -fuzztime 60s ./sublist): the fuzzing
#    engine pauses for seconds at a time on it (locally a pause resumed by
#    itself after ~3 s, and random inputs through the same body with a 3 s
#    watchdog per input ran clean for 60 s), and a pause at the end of a
#    10 s budget fails the run with "context deadline exceeded".

# fuzz TARGET PKG: a 10 s fuzzing pass. The fuzzing engine can fail a
# pass on a busy machine without any failing input ("context deadline
# exceeded" when a worker is slow to answer, seen even on a quiet machine);
# such a pass is run again, up to three times in all.
# A pass that found an input (saved under the package's testdata/fuzz)
# fails at once.
fuzz() {
  local before after
  before=$({ find "$2/testdata/fuzz" -type f 2>/dev/null || true; } | wc -l)
  if go test -run '^$' -fuzz "$1" -fuzztime 10s "$2"; then return 0; fi
  after=$({ find "$2/testdata/fuzz" -type f 2>/dev/null || true; } | wc -l)
  if [ "$after" != "$before" ]; then
    echo "fuzz: $1 in $2 found a failing input (saved under $2/testdata/fuzz)" >&2
    return 1
  fi
  echo "fuzz: $1 in $2 failed without a failing input; running it again" >&2
  go test -run '^$' -fuzz "$1" -fuzztime 10s "$2" && return 0
  after=$({ find "$2/testdata/fuzz" -type f 2>/dev/null || true; } | wc -l)
  if [ "$after" != "$before" ]; then return 1; fi
  echo "fuzz: $1 in $2 failed again without a failing input; a last time" >&2
  go test -run '^$' -fuzz "$1" -fuzztime 10s "$2"
}

fuzz '^FuzzParse$' ./conf
fuzz '^FuzzParse$' ./parser
fuzz '^FuzzParseRoute$' ./parser
fuzz '^FuzzParsePinned$' ./parser
fuzz '^FuzzParseLeaf$' ./parser
fuzz '^FuzzPlainPub$' ./parser
fuzz '^FuzzTransform$' ./transform
fuzz '^FuzzStreamConfig$' ./jetstream/api
fuzz '^FuzzRead$' ./websocket
fuzz '^FuzzDecodeRecord$' ./jetstream/store
fuzz '^FuzzRecoverBlock$' ./jetstream/store
fuzz '^FuzzDecodeOp$' ./jetstream/store
fuzz '^FuzzQueue$' ./outq
fuzz '^FuzzBucket$' ./ratelimit
fuzz '^FuzzRead$' ./jetstream/archive
fuzz '^FuzzDecode$' ./jetstream/consumer
