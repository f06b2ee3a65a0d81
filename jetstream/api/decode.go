package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
)

// Decode decodes an API request body into v as nats-server does: unknown
// fields and trailing data are refused, an empty body leaves v as is, and
// every failure is a JSInvalidJSONErr whose description carries the
// decoder's message ("invalid JSON: unexpected EOF", "... at offset 13").
func Decode(data []byte, v any) *Error {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		var extra json.RawMessage
		if err = dec.Decode(&extra); err == io.EOF {
			return nil
		} else if err == nil {
			err = errors.New("invalid JSON: trailing data")
		}
	}
	return JSInvalidJSONErr.New("{err}", jsonErrorText(err))
}

// jsonErrorText words a decoding error as nats-server does: syntax errors
// carry their offset, and type errors name the server's Go types.
func jsonErrorText(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return se.Error() + " at offset " + strconv.FormatInt(se.Offset, 10)
	}
	if err == io.EOF {
		return "unexpected EOF"
	}
	return strings.ReplaceAll(err.Error(), "Go value of type api.", "Go value of type server.")
}
