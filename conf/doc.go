// Package conf parses the configuration file format of nats-server v2.
//
// The format is a relaxed mix of JSON and YAML-like styles. A file is a
// list of key/value pairs:
//
//	# a comment, and
//	// another kind of comment
//	port: 4222            # ':' separates key and value,
//	host = 0.0.0.0        # so does '=',
//	server_name natsd-1   # and so does plain whitespace.
//	max_payload: 1MB; max_pending: 64MB, debug: false
//
// Pairs end at a newline, or at ',' or ';' (which allows several on one
// line). Keys are bare words (ending at whitespace, ':' or '=') or quoted
// with double or single quotes (taken literally). The parser keeps the author's
// spelling; Map.Get ignores case, as nats-server does for option names.
//
// # Values
//
// Maps are written { key: value ... } and may be assigned without a
// separator ("cluster { ... }"); arrays are written [ a, b ] with elements
// separated by commas or newlines and an optional trailing comma. Both nest
// freely. A whole file may itself be wrapped in braces, so JSON documents
// are valid configurations.
//
// Strings are double-quoted (escapes \t \n \r \" \\ \xHH and \uHHHH),
// single-quoted (raw, no escapes), unquoted, or block strings: '(' up to a
// line holding only ')'. An unquoted value runs up to whitespace, ',', ';',
// '}' or ']'; '#' and "//" start a comment only at a token boundary, so
// "a#b" is one value. Backslash escapes are processed in unquoted values
// too (so unquoted Windows paths need single quotes).
//
// Unquoted values are typed by their text:
//
//   - integers (42, -7); with a size suffix, in any case: k, m, g, t, p, e
//     multiply by powers of 1000 and kb/ki/kib, mb/mi/mib ... by powers of
//     1024 (1k = 1000, 1KB = 1Ki = 1KiB = 1024);
//   - floats (0.5, -1.25); text with several dots (127.0.0.1) is a string;
//   - booleans: true, false, yes, no, on, off, in any case;
//   - datetimes in full Zulu form, 2026-11-28T01:02:03Z;
//   - anything else is a string, including durations such as 2s or 1m30s
//     and text like 3secret. Note that an unquoted 1m is the integer
//     1000000 (the size suffix), not a minute: quote durations in minutes.
//
// Digits followed by '-' must form a datetime, a '-' must be followed by a
// number, and a float must be written digits.digits; other such text is an
// error, as in nats-server, and must be quoted.
//
// # Variables
//
// A value written $NAME refers to the key NAME (exact spelling) defined
// earlier in the same block or an enclosing one; variables are therefore
// block-scoped. If no such key exists the environment variable NAME is
// used, its text being parsed as a value (so NAME=4222 is an integer). An
// undefined variable is an error. Keys used as variables are flagged
// (Key.Used) so consumers can skip them when reporting unknown options.
// Unquoted bcrypt hashes ($2a$11$...) are strings, not variables.
//
// # Includes
//
//	include ./auth.conf
//	include "tls.conf"
//
// reads another file, relative to the directory of the including file, and
// merges its top-level keys into the current block. An included file is
// parsed in a scope of its own: it cannot use the including file's
// variables, but the keys it defines are visible to what follows it.
// Include cycles are errors.
//
// # Positions and errors
//
// Every Key and Value records its position (file, line, column). Errors
// are *Error values formatted "file:line:col: message"; inside an included
// file the position is in that file. The As* helpers on Value convert
// values for consumers and report type mismatches at the value's position.
//
// # Differences from nats-server
//
// The package aims to accept every configuration nats-server accepts, with
// the same meaning. Where nats-server misbehaves, this package is more
// helpful or stricter:
//
//   - accepted here, rejected by nats-server: an integer right before ']'
//     ("[1,2]"), unquoted values starting with '.' that are not numbers
//     ("./nats.log"), \uHHHH escapes, bcrypt prefixes other than $2a$, a
//     comment between a key and a value on a later line, and a block string
//     closed by ")" and CRLF;
//   - a leading byte order mark is ignored instead of becoming part of the
//     first key;
//   - rejected here, though nats-server turns them into odd keys or empty
//     values that it then reports as unknown fields: a key followed
//     directly by '}' ("name: }"), and doubled separators ("a: 'x';;");
//   - errors instead of misbehaviour: sizes that overflow (10e) instead of
//     wrapping around, include cycles instead of a crash, NUL bytes, and
//     variables that expand to an enormous tree ([$a, $a] nested dozens of
//     times).
package conf
