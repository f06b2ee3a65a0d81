package api

import (
	"strconv"
	"strings"
)

// ErrorCode is a JetStream err_code (ADR-7): the number clients switch on.
type ErrorCode uint16

// errorDef is one row of the error table.
type errorDef struct {
	code        int    // the HTTP-like status in "code"
	description string // may hold {tokens}
}

// Error is the API error carried in every failed response as
// {"code":..,"err_code":..,"description":".."}.
type Error struct {
	Code        int       `json:"code"`
	ErrCode     ErrorCode `json:"err_code,omitempty"`
	Description string    `json:"description,omitempty"`
}

// Error returns the description and err_code as nats-server logs them:
// "stream not found (10059)".
func (e *Error) Error() string {
	return e.Description + " (" + strconv.Itoa(int(e.ErrCode)) + ")"
}

// Is makes errors.Is(err, code.New()) compare err_codes, as clients do.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.ErrCode == e.ErrCode
}

// New returns the error with its description's {tokens} replaced by the
// given pairs: JSStreamNotFoundErr.New(), or
// JSStreamInvalidConfigF.New("{err}", "max age can not be negative").
// An unknown code gives a 500 with an empty description.
func (c ErrorCode) New(pairs ...string) *Error {
	d, ok := errorTable[c]
	if !ok {
		return &Error{Code: 500, ErrCode: c}
	}
	desc := d.description
	if len(pairs) >= 2 {
		desc = strings.NewReplacer(pairs...).Replace(desc)
	}
	return &Error{Code: d.code, ErrCode: c, Description: desc}
}

// Description returns the error's description template.
func (c ErrorCode) Description() string { return errorTable[c].description }

// HTTPCode returns the error's "code".
func (c ErrorCode) HTTPCode() int { return errorTable[c].code }

// IsError reports whether err is an *Error with one of the given codes.
func IsError(err error, codes ...ErrorCode) bool {
	e, ok := err.(*Error)
	if !ok || e == nil {
		return false
	}
	for _, c := range codes {
		if e.ErrCode == c {
			return true
		}
	}
	return false
}
