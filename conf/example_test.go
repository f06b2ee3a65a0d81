package conf_test

import (
	"fmt"

	"github.com/natsd/natsd/conf"
)

func Example() {
	cfg, err := conf.Parse(`
# a comment, and
// another kind of comment
port: 4222            # ':' separates key and value,
host = 0.0.0.0        # so does '=',
server_name natsd-1   # and so does plain whitespace.
max_payload: 1MB; max_pending: 64MB, debug: false
write_deadline: 2s

TIMEOUT: 0.5
cluster {
  routes: [nats://10.0.0.2:6222, nats://10.0.0.3:6222]
  authorization { user: route, password: $2a$11$abc, timeout: $TIMEOUT }
}
`)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, k := range cfg.Keys {
		fmt.Printf("%s %s = %v (%s)\n", k.Pos, k.Name, k.Value.Interface(), k.Value.Kind)
	}
	wd, _ := cfg.Get("Write_Deadline")
	d, _ := wd.AsDuration()
	fmt.Println("write deadline:", d)
	// Output:
	// <input>:4:1 port = 4222 (integer)
	// <input>:5:1 host = 0.0.0.0 (string)
	// <input>:6:1 server_name = natsd-1 (string)
	// <input>:7:1 max_payload = 1048576 (integer)
	// <input>:7:19 max_pending = 67108864 (integer)
	// <input>:7:38 debug = false (boolean)
	// <input>:8:1 write_deadline = 2s (string)
	// <input>:10:1 TIMEOUT = 0.5 (float)
	// <input>:11:1 cluster = map[authorization:map[password:$2a$11$abc timeout:0.5 user:route] routes:[nats://10.0.0.2:6222 nats://10.0.0.3:6222]] (map)
	// write deadline: 2s
}

func ExampleValue_AsDuration() {
	cfg, _ := conf.Options{}.Parse("nats.conf", "ping_interval: 2x\n")
	v, _ := cfg.Get("ping_interval")
	_, err := v.AsDuration()
	fmt.Println(err)
	// Output: nats.conf:1:16: expected a duration, got "2x"
}

func ExampleDidYouMean() {
	known := []string{"port", "max_payload", "cluster"}
	fmt.Println(conf.DidYouMean("max_paylaod", known))
	// Output: max_payload
}
