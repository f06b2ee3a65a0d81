package conf

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// These helpers convert a Value to what an option expects. They are strict
// about kinds, like nats-server (a quoted "4222" is not a port), and their
// errors name the value's position, e.g.
//
//	nats.conf:3:14: expected a duration, got "2x"

// Errorf returns an *Error located at the value, for consumers reporting
// problems with a value they received (out of range, unknown choice...).
func (v *Value) Errorf(format string, args ...any) error {
	return &Error{Pos: v.pos(), Msg: fmt.Sprintf(format, args...)}
}

func (v *Value) pos() Pos {
	if v == nil {
		return Pos{}
	}
	return v.Pos
}

func (v *Value) expected(what string) error {
	return v.Errorf("expected %s, got %s", what, v.describe())
}

// describe renders a value for "got ..." in error messages.
func (v *Value) describe() string {
	if v == nil {
		return "nothing"
	}
	switch v.Kind {
	case KindString:
		s := v.Str
		if len(s) > 60 {
			s = s[:57] + "..."
		}
		return strconv.Quote(s)
	case KindInt:
		return "integer " + strconv.FormatInt(v.Int, 10)
	case KindFloat:
		return "float " + strconv.FormatFloat(v.Float, 'g', -1, 64)
	case KindBool:
		return "boolean " + strconv.FormatBool(v.Bool)
	case KindTime:
		return "datetime " + v.Time.Format(zuluLayout)
	case KindMap:
		return "a map"
	case KindArray:
		return "an array"
	}
	return "an invalid value"
}

func (v *Value) is(k Kind) bool { return v != nil && v.Kind == k }

// AsString returns the value of a string.
func (v *Value) AsString() (string, error) {
	if !v.is(KindString) {
		return "", v.expected("a string")
	}
	return v.Str, nil
}

// AsInt returns the value of an integer (size suffixes already applied).
func (v *Value) AsInt() (int64, error) {
	if !v.is(KindInt) {
		return 0, v.expected("an integer")
	}
	return v.Int, nil
}

// AsFloat returns the value of a float or an integer.
func (v *Value) AsFloat() (float64, error) {
	switch {
	case v.is(KindFloat):
		return v.Float, nil
	case v.is(KindInt):
		return float64(v.Int), nil
	}
	return 0, v.expected("a number")
}

// AsBool returns the value of a boolean (true/false/yes/no/on/off).
func (v *Value) AsBool() (bool, error) {
	if !v.is(KindBool) {
		return false, v.expected("a boolean")
	}
	return v.Bool, nil
}

// AsTime returns the value of a Zulu datetime.
func (v *Value) AsTime() (time.Time, error) {
	if !v.is(KindTime) {
		return time.Time{}, v.expected("a datetime")
	}
	return v.Time, nil
}

// AsDuration interprets the value the way nats-server does: a string is
// parsed with time.ParseDuration ("2s", "1m30s") and an integer is a number
// of seconds. Beware that an unquoted 1m is the integer 1000000 (the "m"
// size suffix), hence a million seconds: minutes must be quoted ("1m").
func (v *Value) AsDuration() (time.Duration, error) {
	switch {
	case v.is(KindString):
		d, err := time.ParseDuration(v.Str)
		if err != nil {
			return 0, v.expected("a duration")
		}
		return d, nil
	case v.is(KindInt):
		if v.Int > math.MaxInt64/int64(time.Second) || v.Int < math.MinInt64/int64(time.Second) {
			return 0, v.Errorf("duration of %d seconds is out of range", v.Int)
		}
		return time.Duration(v.Int) * time.Second, nil
	}
	return 0, v.expected("a duration")
}

// AsMap returns the map of a map value.
func (v *Value) AsMap() (*Map, error) {
	if !v.is(KindMap) {
		return nil, v.expected("a map")
	}
	return v.Map, nil
}

// AsArray returns the elements of an array value.
func (v *Value) AsArray() ([]*Value, error) {
	if !v.is(KindArray) {
		return nil, v.expected("an array")
	}
	return v.Array, nil
}

// AsStringSlice accepts a single string or an array of strings, the two
// forms nats-server takes for list options such as server_tags. An error
// about a bad element points at that element.
func (v *Value) AsStringSlice() ([]string, error) {
	if v.is(KindString) {
		return []string{v.Str}, nil
	}
	if !v.is(KindArray) {
		return nil, v.expected("a string or an array of strings")
	}
	out := make([]string, 0, len(v.Array))
	for _, e := range v.Array {
		s, err := e.AsString()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
