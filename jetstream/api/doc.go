// Package api holds the JetStream API's wire types and errors: the request
// subjects under $JS.API, the request and response JSON (stream and
// consumer configs, infos, states, account info, PubAck), the response
// envelope with its "type" field, the API error {code, err_code,
// description} with nats-server's table of err_codes, the pure
// validation and defaulting of stream and consumer configs, the asset API
// levels (ADR-44), the status header blocks of pull requests (404, 408,
// 409, 100) and the stream, consumer and API audit advisories.
//
// The JSON encodings follow nats-server v2.15.2 field for field, in the
// same order and with the same omitempty choices (checked against
// responses captured from it, in testdata/): durations are integer
// nanoseconds (time.Duration), times RFC 3339 with nanoseconds
// (time.Time), enums strings ("limits", "interest", "workqueue"; "file",
// "memory"; "old", "new"; ...).
//
// The package is pure: no goroutines, no I/O, no server import.
package api
