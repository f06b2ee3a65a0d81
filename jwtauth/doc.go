// Package jwtauth is the pure core of natsd's decentralized
// authentication ("operator mode"): it decodes and checks operator,
// account, activation and user JWTs with github.com/nats-io/jwt/v2, and
// turns them into the structures natsd already runs on: an account JWT
// becomes an accounts.Account (limits, exports, imports), a user JWT
// becomes an auth.Identity (permissions, limits, expiry). It starts no
// goroutines and does no network I/O; reading an operator JWT from a
// file is its only file access. The server (server/operator*.go) owns
// the resolver, the running accounts and the connections.
//
// # Reference behaviour (nats-server v2.15.2, observed black-box)
//
//   - Every refused user JWT gets -ERR 'Authorization Violation'; the
//     reason goes to the log only (expired, not yet valid, revoked,
//     unknown or untrusted issuer, bad signature of the nonce).
//   - A connected user whose JWT expires (or whose times window ends)
//     gets -ERR 'User Authentication Expired' and is disconnected; one
//     revoked by an account update gets -ERR 'User Authentication
//     Revoked'.
//   - Users signed by a scoped signing key may carry no permissions or
//     limits of their own: the scope's template applies, with its
//     {{name()}}, {{subject()}}, {{account-name()}},
//     {{account-subject()}}, {{tag(x)}} and {{account-tag(x)}}
//     placeholders filled in from the user and account claims.
//   - A user JWT with no permissions gets the account's
//     default_permissions.
package jwtauth
