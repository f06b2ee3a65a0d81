package conf

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
)

func TestZZDebug(t *testing.T) {
	data, _ := os.ReadFile(os.Getenv("ZZ_FILE"))
	m, err := Options{}.Parse("in.conf", string(data))
	if err != nil {
		fmt.Println("ERR:", err)
		return
	}
	b, _ := json.Marshal(m.Interface())
	fmt.Println(string(b))
}

func TestZZDir(t *testing.T) {
	dir := os.Getenv("ZZ_DIR")
	if dir == "" {
		t.Skip()
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		data, _ := os.ReadFile(dir + "/" + e.Name())
		m, err := Options{LookupEnv: func(string) (string, bool) { return "", false }}.Parse(e.Name(), string(data))
		if err != nil {
			fmt.Println(e.Name(), "REJECT", err)
			continue
		}
		b, _ := json.Marshal(m.Interface())
		fmt.Println(e.Name(), "ACCEPT", string(b))
	}
}
