package transform_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/natsd/natsd/transform"
)

func ExampleNew() {
	t, err := transform.New("orders.*.*", "shard.{{partition(4,1)}}.$2.$1")
	if err != nil {
		panic(err)
	}
	out, _ := t.Apply("orders.eu.1234", nil)
	fmt.Println(out)
	_, err = transform.New("orders.*", "x.$2")
	fmt.Println(err)
	// Output:
	// shard.3.1234.eu
	// invalid mapping destination: wildcard index out of range in $2: [2]
}

func ExampleMapping() {
	// A canary: 10% to v2, the rest to v1. The server maps into a buffer it
	// reuses, so a message costs no allocation.
	m, err := transform.NewMapping("svc.*", []transform.Destination{
		{Subject: "svc.v1.$1", Weight: 90},
		{Subject: "svc.v2.$1", Weight: 10},
	})
	if err != nil {
		panic(err)
	}
	r := rand.New(rand.NewPCG(1, 1))
	buf := make([]byte, 0, 64)
	counts := map[string]int{}
	for i := 0; i < 1000; i++ {
		buf, _ = m.Append(buf[:0], []byte("svc.lookup"), "", r)
		counts[string(buf)]++
	}
	fmt.Println(counts["svc.v1.lookup"] > 850, counts["svc.v2.lookup"] > 50)
	// Output: true true
}
