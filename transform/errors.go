package transform

import (
	"errors"
	"strconv"
)

// Sentinel errors. A *DestinationError wraps ErrInvalidMappingDestination
// and one of the detail errors below, so errors.Is works with either.
var (
	// ErrInvalidMappingDestination is the class of every destination
	// template error.
	ErrInvalidMappingDestination = errors.New("invalid mapping destination")
	// ErrBadSubject: the source is not a valid subject, or the destination
	// has a "*" token, or only one of source and destination has ">".
	ErrBadSubject = errors.New("invalid subject")

	// ErrUnknownFunction: a {{...}} token that names no mapping function.
	ErrUnknownFunction = errors.New("unknown function")
	// ErrWildcardOutOfRange: a function refers to a "*" the source lacks.
	ErrWildcardOutOfRange = errors.New("wildcard index out of range")
	// ErrNotEnoughArgs: a function got too few arguments.
	ErrNotEnoughArgs = errors.New("not enough arguments passed to the function")
	// ErrTooManyArgs: a function got too many arguments.
	ErrTooManyArgs = errors.New("too many arguments passed to the function")
	// ErrBadArgument: an argument is not a (32-bit) integer where one is needed.
	ErrBadArgument = errors.New("function argument is invalid or in the wrong format")
	// ErrNotAllWildcards: a strict (import) transform drops a source "*".
	ErrNotAllWildcards = errors.New("not using all of the token wildcard(s)")
	// ErrImportFunction: a strict (import) transform uses a function other
	// than wildcard().
	ErrImportFunction = errors.New("the only mapping function allowed for import transforms is {{Wildcard()}}")
	// ErrInvalidTransform: the destination has an empty token, a token with
	// white space, or a token after ">".
	ErrInvalidTransform = errors.New("invalid transform")

	// ErrNoMatch is returned when a subject given to Append does not match
	// the transform's source.
	ErrNoMatch = errors.New("subject does not match the mapping source")
	// ErrTotalWeight: the weights of a mapping's destinations (of one
	// cluster) add up to more than 100.
	ErrTotalWeight = errors.New("total weight needs to be <= 100")
	// ErrBadWeight: a destination weight above 100.
	ErrBadWeight = errors.New("invalid weight for mapping destination")
)

// DestinationError describes a bad destination template. Its text is
// nats-server's: "invalid mapping destination: <detail>[ in <token>][: [<index>]]".
type DestinationError struct {
	Kind     error  // one of the detail sentinels (ErrUnknownFunction, ...)
	Token    string // the offending destination token (or the whole destination); may be empty
	Index    int64  // the out-of-range wildcard index, when HasIndex
	HasIndex bool
}

func (e *DestinationError) Error() string {
	s := ErrInvalidMappingDestination.Error() + ": " + e.Kind.Error()
	if e.Token != "" {
		s += " in " + e.Token
	}
	if e.HasIndex {
		s += ": [" + strconv.FormatInt(e.Index, 10) + "]"
	}
	return s
}

// Unwrap lets errors.Is match both ErrInvalidMappingDestination and Kind.
func (e *DestinationError) Unwrap() []error {
	return []error{ErrInvalidMappingDestination, e.Kind}
}

func destErr(kind error, token string) error {
	return &DestinationError{Kind: kind, Token: token}
}

// DuplicateError reports a destination listed twice in one mapping.
type DuplicateError struct{ Destination string }

func (e *DuplicateError) Error() string {
	return "duplicate entry for " + strconv.Quote(e.Destination)
}
