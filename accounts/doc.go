// Package accounts is the pure core of natsd's multi-tenancy: the model of
// the accounts block of the configuration (accounts, their exports,
// imports and limits) and the rules that decide whether a set of accounts
// is valid: every import names a known account and something that account
// exports to the importer, and imports never form a cycle. It also maps
// subjects across an import (prefix, to).
//
// It starts no goroutines and does no I/O; the server builds its running
// accounts from a validated []*Account.
//
// # Reference behaviour (nats-server v2.15.2)
//
//   - Without an accounts block every connection is in the global
//     account "$G". The system account is "$SYS" unless system_account
//     names another; it always exists.
//   - A stream export lets importers receive what the exporter publishes
//     on its subject; a service export lets importers send requests to
//     it. An export without an accounts list is public, with one it is
//     private to the listed accounts.
//   - A stream import with prefix P delivers subject S as "P.S"; with to
//     T, as T (wildcard tokens of the imported subject fill the
//     wildcards of T, in order). A service import with to T lets the
//     importer publish requests on T that reach the exporter on the
//     imported subject.
//   - response_type of a service export: singleton (one reply), stream
//     (any number of replies until the mapping times out) or chunked
//     (like stream).
package accounts
