package main

import (
	"fmt"
	"strconv"
	"strings"
)

// parseSize reads a byte size the way nats-server's config does: a plain
// number, or a number with a suffix where k/m/g are powers of 1000 and
// kb/mb/gb (or ki/mi/gi) powers of 1024.
func parseSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || (i == 0 && t[i] == '-')) {
		i++
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	mult := int64(1)
	switch strings.TrimSpace(t[i:]) {
	case "", "b":
	case "k":
		mult = 1000
	case "kb", "ki", "kib":
		mult = 1 << 10
	case "m":
		mult = 1000 * 1000
	case "mb", "mi", "mib":
		mult = 1 << 20
	case "g":
		mult = 1000 * 1000 * 1000
	case "gb", "gi", "gib":
		mult = 1 << 30
	default:
		return 0, fmt.Errorf("invalid size %q", s)
	}
	if n < 0 {
		return 0, fmt.Errorf("invalid size %q: negative", s)
	}
	return n * mult, nil
}
