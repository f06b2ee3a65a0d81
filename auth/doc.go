// Package auth is the pure core of natsd's authentication and
// authorization: it checks CONNECT credentials (token, single user,
// users with plain or bcrypt passwords, nkeys, no_auth_user) and
// compiles user permissions into Checkers that answer, on the hot path,
// whether a connection may publish, subscribe, or receive a message.
// It starts no goroutines and does no I/O; the server wires it in.
//
// # Pieces
//
//   - Authenticator (New, Check): built once per configuration and
//     shared; immutable, safe for concurrent use.
//   - Checker (Compile): one per user, immutable and shared by all of
//     that user's connections. A nil *Checker allows everything.
//   - Cache (Checker.NewCache): per connection, lock-free, bounded; a
//     cached CanPublish or CanDeliver costs one map lookup and does not
//     allocate.
//   - Responses (Checker.NewResponses): per connection, the reply
//     subjects allow_responses lets it publish to.
//   - PubViolation, SubViolation, AuthViolation, the *Log functions and
//     AuthError: the reference's exact protocol and log texts.
//
// # Reference behaviour (nats-server v2.15.2, observed black-box)
//
// Authentication:
//
//   - Any failure gets -ERR 'Authorization Violation' and the server
//     closes the connection. The error log line says "authentication
//     error", followed by ` - Nkey "U..."`, ` - User "a"` or
//     ` - Token "[REDACTED]"` depending on what the client sent, in that
//     order of precedence, whatever the configured method.
//   - Token mode looks at auth_token only; single-user mode at user and
//     pass only; a bcrypt token or password is matched against the
//     plain text the client sends (sending the hash itself fails).
//   - A user configured without a password must send none: any pass
//     fails. A password configured without a user enables nothing.
//   - With a users list, a client nkey is used exclusively when nkey
//     users exist (a valid user/pass next to a bad or unsigned nkey
//     fails), and ignored when none exist. The signature may be raw URL
//     or standard base64.
//   - no_auth_user applies when the client sends no user, pass or
//     auth_token (an nkey alone counts as nothing when no nkey users
//     exist). It may name a username or an nkey; wrong credentials still
//     fail. With a no_auth_user, INFO omits auth_required.
//   - The INFO carries "nonce" only when nkey users exist: 15 characters
//     of unpadded URL-safe base64 (11 random bytes), new per connection.
//     The client signs the nonce text.
//   - Configuration errors: `Duplicate user "a" detected`, `Duplicate
//     nkey "U..." detected` (also when a username equals an nkey),
//     "Not a valid public nkey for a user", "Nkey users do not take
//     usernames or passwords", "User entry requires a user", "Cannot
//     have a user/pass and token", "Can not have a token and a users
//     array", "Can not have a single user/pass and a users array",
//     `no_auth_user: "b" present, but users/nkeys are not defined`,
//     `no_auth_user: "b" not present as user or nkey in authorization
//     block or account configuration`, `subject "foo..bar" is not a
//     valid subject`, `queue "q.." is not a valid queue`.
//   - A plain-text password logs the warning "Plaintext passwords
//     detected, use nkeys or bcrypt"; a plain token does not.
//   - permissions and default_permissions are ignored for the token and
//     the single user; default_permissions apply to the users without
//     their own permissions and are not merged into those that have.
//
// Authorization:
//
//   - A refused PUB gets -ERR 'Permissions Violation for Publish to
//     "foo"', a refused SUB -ERR 'Permissions Violation for
//     Subscription to "foo"', with a queue group
//     -ERR 'Permissions Violation for Subscription to "foo" using queue
//     "q"'. The connection stays open; in verbose mode no +OK follows a
//     refused PUB or SUB. Logged as `Publish Violation - Subject "foo"`
//     and `Subscription Violation - Subject "foo", Queue: "q", SID 6`.
//   - Publish: allowed when the allow list (if any) matches and the deny
//     list does not; deny wins. An empty allow list means all.
//   - Subscribe: the subscription subject is looked up as text in the
//     lists, each of its tokens matched by a permission wildcard or by
//     the identical literal token. So with allow "foo.bar", SUB "foo.*"
//     and SUB ">" are refused; with allow "foo.*", SUB "foo.>" is
//     accepted (the "*" swallows the ">") and the reference then
//     delivers foo.a.b to it; with deny "foo.*", SUB "foo.>" is refused.
//   - Queue permissions are entries "subject queue". A plain SUB needs a
//     plain allow entry: queue entries alone do not admit it. A queue
//     SUB is admitted by a plain entry only when no queue entry matches
//     its subject; otherwise one of the matching queue entries must
//     admit its group. A queue pattern admits an identical name or,
//     through its wildcards, names it contains ("work.*" admits "work.1"
//     and "work.*", not "work" nor "work.>"; ">" admits any).
//   - Deny: a plain deny entry refuses plain and queue SUBs alike; a deny
//     queue entry refuses only queue SUBs of a matching group.
//   - A wildcard SUB that overlaps a deny entry without being refused
//     (deny "foo.secret", SUB "foo.*" or ">") is accepted, and the
//     messages the deny list covers are silently not delivered to it
//     (deny queue entries likewise filter their groups' deliveries).
//   - allow_responses: after a message with a reply subject is delivered
//     to the connection, it may publish to that reply subject even if its
//     publish permissions (allow or deny) say no: max times (default 1,
//     also for max <= 0) within expires (default: no limit). A new
//     delivery with the same reply subject renews the allowance. When
//     allow_responses is set and publish has no allow list, every other
//     publish is refused, even with a publish deny list only.
//   - Publishing to a subject with wildcards is refused by the protocol
//     layer ('Invalid Publish Subject') before any permission check.
//
// Deliberate difference: the issue demands that no message reach a
// subscriber not allowed to receive it, so besides deny overlaps natsd
// also filters at delivery what a subscription accepted by the textual
// rule would receive beyond the allow list (SUB "foo.>" under allow
// "foo.*" gets foo.a but not foo.a.b; under allow "m.>" and "m.x mq",
// SUB "m.*" with group "other" gets m.y but not m.x). SUB-time answers are unchanged,
// so clients see the same -ERR lines. SubNeedsDeliveryCheck tells the
// server which subscriptions need the filter; CanDeliver applies it: a
// message may be delivered when a SUB on its literal subject (and the
// subscription's queue group) would be accepted.
package auth
