package server

import "bytes"

// setHeader returns a copy of the NATS header block hdr with key's value
// replaced by val (every line with that exact key), or the line added
// before the blank line that ends the block when it has none.
func setHeader(hdr []byte, key, val string) []byte {
	out := make([]byte, 0, len(hdr)+len(key)+len(val)+4)
	found := false
	rest := hdr
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		var line []byte
		if i < 0 {
			line, rest = rest, nil
		} else {
			line, rest = rest[:i+1], rest[i+1:]
		}
		trimmed := bytes.TrimRight(line, "\r\n")
		if len(trimmed) > len(key) && trimmed[len(key)] == ':' && string(trimmed[:len(key)]) == key {
			out = append(out, key...)
			out = append(out, ": "...)
			out = append(out, val...)
			out = append(out, "\r\n"...)
			found = true
			continue
		}
		if len(trimmed) == 0 && !found && len(out) > 0 {
			out = append(out, key...)
			out = append(out, ": "...)
			out = append(out, val...)
			out = append(out, "\r\n"...)
			found = true
		}
		out = append(out, line...)
	}
	return out
}
