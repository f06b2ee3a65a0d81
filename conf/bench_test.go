package conf

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// mediumConfig builds a configuration of a few hundred lines: the server
// fixture (with its include inlined) plus accounts with users.
func mediumConfig(tb testing.TB) string {
	server, err := os.ReadFile("testdata/server.conf")
	if err != nil {
		tb.Fatal(err)
	}
	auth, err := os.ReadFile("testdata/auth.conf")
	if err != nil {
		tb.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(strings.Replace(string(server), "include ./auth.conf", string(auth), 1))
	b.WriteString("\naccounts {\n")
	for a := range 10 {
		fmt.Fprintf(&b, "  ACC%d {\n    jetstream: { max_mem: 512MB, max_file: 1GB }\n    users = [\n", a)
		for u := range 10 {
			fmt.Fprintf(&b, "      { user: u%d_%d, password: \"p%d\", permissions: { publish: [\"a%d.>\"], subscribe: { allow: [\"_INBOX.>\"] } } }\n", a, u, u, a)
		}
		b.WriteString("    ]\n  }\n")
	}
	b.WriteString("}\n")
	return b.String()
}

func BenchmarkParseMedium(b *testing.B) {
	src := mediumConfig(b)
	opts := Options{LookupEnv: env{"NATSD_SERVER_NAME": "bench"}.LookupEnv}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := opts.Parse("bench.conf", src); err != nil {
			b.Fatal(err)
		}
	}
}
