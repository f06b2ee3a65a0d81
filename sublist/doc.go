// Package sublist is the subject index of natsd: it stores subscriptions
// by subject (and optional queue group) and answers, for every published
// message, which subscriptions match its subject.
//
// Subjects are '.'-separated tokens. In a subscription, a "*" token
// matches exactly one token and a final ">" token matches one or more
// remaining tokens; tokens merely containing those characters ("foo*")
// are literals. Published subjects are literal.
//
// The index is a token trie whose levels keep literal children in a map
// and the two wildcards in dedicated pointers. In front of it sits a
// bounded, lock-free match cache (see cache.go) from literal subject to an
// immutable Result; it is kept exact on every Insert and Remove by
// dropping the entries the changed subscription matches. A generation
// counter, bumped on every change, lets callers validate their own
// per-connection caches without taking any lock.
//
// All methods are safe for concurrent use. Match on a cache hit takes no
// lock and does not allocate.
package sublist
