// Package transform implements NATS subject transforms: the subject
// mappings of the `mappings` configuration block (top level and per
// account), and the transforms that streams, sources, mirrors, republish
// and imports apply to subjects.
//
// A transform has a source filter (a subject, possibly with "*" and a
// final ">") and a destination template. The destination is split on "."
// into tokens, each of which is one of:
//
//   - a literal token, copied as is;
//   - ">", copied from the tokens the source's ">" matched (the source
//     and the destination must both have one, or neither);
//   - "$n", the token matched by the source's n-th "*" (legacy form of
//     {{wildcard(n)}}). "$" followed by anything but an integer is literal;
//   - a mapping function "{{name(args)}}": wildcard(n), partition(count,
//     n...), split(n, delim), splitfromleft(n, pos), splitfromright(n, pos),
//     slicefromleft(n, size), slicefromright(n, size), left(n, len),
//     right(n, len) and random(count). Names are accepted in lower case and
//     in CamelCase with each word's first letter in either case
//     ("splitFromLeft", "SplitFromLeft"), as nats-server does.
//
// Behaviour follows nats-server v2.15.2, established by black-box tests
// against it (the expectations in the test tables were recorded from it):
// partition() hashes the concatenation of the selected tokens (the whole
// subject when none are given) with 32-bit FNV-1a and takes it modulo the
// count, so a subject lands in the same partition as on nats-server; a
// wildcard index of 0 or below refers to the subject's first token; the
// split and slice functions leave the token whole when the position or
// size is out of range.
//
// A Transform is immutable after New and safe for concurrent use. Append
// writes the result into a caller-supplied buffer and does not allocate
// for subjects of up to 64 tokens. Mapping adds weighted (and
// cluster-scoped) destinations on top of Transforms; the random choices
// take an injected Rand so tests are deterministic.
package transform
