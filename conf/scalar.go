package conf

import (
	"errors"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// zuluLayout is the only datetime form the format accepts.
const zuluLayout = "2006-01-02T15:04:05Z"

// classifyBare turns the text of an unquoted value into a typed Value,
// following nats-server's rules:
//
//   - text starting with a digit or '-' is a number when it is one:
//     an integer, an integer with a size suffix, a float, or a Zulu
//     datetime; "1.2.3.4" style text (several dots) is a string, as is
//     text like "2s", "3secret" or "1e3" where letters follow the digits;
//   - a negative value that is not a number, and digits followed by '-'
//     that are not a full datetime, are errors (nats-server rejects them
//     too: quoting such values is the fix);
//   - true/false/yes/no/on/off in any case are booleans;
//   - everything else is a string, with backslash escapes processed.
func classifyBare(raw string, pos Pos) (*Value, error) {
	v := &Value{Pos: pos, Raw: raw}
	c := raw[0]
	if c == '-' || isDigit(c) || (c == '.' && len(raw) > 1 && isDigit(raw[1])) {
		done, err := classifyNumber(v)
		if done || err != nil {
			return v, err
		}
	} else if b, ok := parseBool(raw); ok {
		v.Kind = KindBool
		v.Bool = b
		return v, nil
	}
	s, err := unescape(raw, pos)
	if err != nil {
		return nil, err
	}
	v.Kind = KindString
	v.Str = s
	return v, nil
}

// classifyNumber fills v when v.Raw is numeric. It returns false (and no
// error) when the text should be kept as a string.
func classifyNumber(v *Value) (bool, error) {
	raw := v.Raw
	s := raw
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	if s == "" || s[0] == '.' {
		if s != "" {
			return false, errorf(v.Pos, "invalid number %q: a float must start with a digit", raw)
		}
		return false, errorf(v.Pos, "invalid number %q: expected a digit after '-'", raw)
	}
	if !isDigit(s[0]) {
		return false, errorf(v.Pos, "invalid number %q: expected a digit after '-' (quote the value if it is a string)", raw)
	}
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	digits, rest := s[:n], s[n:]
	switch {
	case rest == "":
		i, err := scaledInt(digits, 1, neg)
		if err != nil {
			return false, errorf(v.Pos, "integer %s is out of range", raw)
		}
		v.Kind, v.Int = KindInt, i
		return true, nil

	case rest[0] == '.':
		f := 1
		for f < len(rest) && isDigit(rest[f]) {
			f++
		}
		if f == 1 {
			return false, errorf(v.Pos, "invalid number %q: a float needs a digit after the '.' (quote the value if it is a string)", raw)
		}
		switch tail := rest[f:]; {
		case tail == "":
			x, err := strconv.ParseFloat(raw, 64)
			if err != nil {
				return false, errorf(v.Pos, "invalid float %q", raw)
			}
			v.Kind, v.Float = KindFloat, x
			return true, nil
		case tail[0] == '.':
			return false, nil // "127.0.0.1", "1.2.3": a string, not a float
		default:
			return false, errorf(v.Pos, "invalid number %q: sizes and units need an integer, and other text must be quoted", raw)
		}

	case rest[0] == '-':
		t, why := parseZulu(raw)
		if why != "" {
			return false, errorf(v.Pos, "invalid datetime %q: %s", raw, why)
		}
		v.Kind, v.Time = KindTime, t
		return true, nil
	}

	if mult, ok := sizeMultiplier(rest); ok {
		i, err := scaledInt(digits, mult, neg)
		if err != nil {
			return false, errorf(v.Pos, "size %s is out of range", raw)
		}
		v.Kind, v.Int = KindInt, i
		return true, nil
	}
	if neg {
		return false, errorf(v.Pos, "invalid number %q (quote the value if it is a string)", raw)
	}
	return false, nil // "2s", "1m30s", "3secret": strings
}

// scaledInt computes ±digits*mult, failing rather than wrapping around on
// overflow (nats-server silently wraps; an error is kinder).
func scaledInt(digits string, mult uint64, neg bool) (int64, error) {
	u, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return 0, err
	}
	hi, lo := bits.Mul64(u, mult)
	limit := uint64(math.MaxInt64)
	if neg {
		limit++ // -9223372036854775808 is representable
	}
	if hi != 0 || lo > limit {
		return 0, strconv.ErrRange
	}
	if neg {
		return int64(-lo), nil // two's complement handles the MinInt64 case
	}
	return int64(lo), nil
}

// sizeMultiplier interprets a size suffix, case-insensitively: k, m, g, t,
// p and e are powers of 1000; the same letters followed by "b", "i" or
// "ib" (kb, KiB, Mi...) are powers of 1024. This matches nats-server.
func sizeMultiplier(suffix string) (uint64, bool) {
	if suffix == "" || len(suffix) > 3 {
		return 0, false
	}
	exp := strings.IndexByte("kmgtpe", lower(suffix[0])) + 1
	if exp == 0 {
		return 0, false
	}
	var base uint64
	switch strings.ToLower(suffix[1:]) {
	case "":
		base = 1000
	case "b", "i", "ib":
		base = 1024
	default:
		return 0, false
	}
	m := uint64(1)
	for range exp {
		m *= base
	}
	return m, true
}

func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// parseZulu accepts exactly YYYY-MM-DDTHH:MM:SSZ. The shape is checked by
// hand because time.Parse alone would also accept fractional seconds,
// which nats-server rejects. On failure it returns the reason.
func parseZulu(s string) (time.Time, string) {
	const shape = "dates must be in full Zulu form like 2006-01-02T15:04:05Z (quote the value if it is a string)"
	if len(s) != len(zuluLayout) {
		return time.Time{}, shape
	}
	for i := 0; i < len(s); i++ {
		want := zuluLayout[i]
		if isDigit(want) {
			if !isDigit(s[i]) {
				return time.Time{}, shape
			}
		} else if s[i] != want {
			return time.Time{}, shape
		}
	}
	t, err := time.Parse(zuluLayout, s)
	if err != nil {
		var pe *time.ParseError
		if errors.As(err, &pe) && pe.Message != "" {
			return time.Time{}, strings.TrimPrefix(pe.Message, ": ")
		}
		return time.Time{}, "not a valid date and time"
	}
	return t.UTC(), ""
}

// parseBool recognises the boolean words, in any case.
func parseBool(s string) (value, ok bool) {
	switch strings.ToLower(s) {
	case "true", "yes", "on":
		return true, true
	case "false", "no", "off":
		return false, true
	}
	return false, false
}
