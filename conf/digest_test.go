package conf

import "testing"

// The expected digests are what nats-server v2.15 prints for the same
// files with -t.
func TestDigest(t *testing.T) {
	files := map[string]string{
		"main.conf": `# tricky
FOO = 4222
port: $FOO
max_payload: 1MB
max_pending: 100k
ping_interval: "2s"
write_deadline: "3s"
server_name: "héllo\tworld"
include "inc.conf"
debug: yes
http_base_path = /x/y
`,
		"inc.conf": `authorization { users = [ {user: a, password: "p&<>"} ] }` + "\n",
		"a.conf":   "port: 4222\n",
		"b.conf":   "# comment\nport = 4222   \n\n",
		"c.conf":   "port: 4223\n",
		"t3.conf":  "port: 4222\nauthorization {\n  token: \"s3cr3t\"\n  timeout: 1.5\n}\nlame_duck_grace_period = 5s\n",
	}
	read := func(p string) ([]byte, error) { return []byte(files[p]), nil }
	for _, tc := range []struct{ file, want string }{
		{"a.conf", "797533ebd0dfba7d34a0f9337ecf147e442871f48ddfd07ed751575a5737267e"},
		{"b.conf", "797533ebd0dfba7d34a0f9337ecf147e442871f48ddfd07ed751575a5737267e"},
		{"c.conf", "7449cc5fbb986e8b76590f56e7ce89b5bf692007a0a0eb2849103d2cc91fabad"},
		{"main.conf", "dcf80e38fee363660fdae7bdf140356baf4d8b8ba1758c52873d765c478e7fc9"},
		{"t3.conf", "6fb8af564c56023296dc295b246dac3606e2eba3472ea90f26d333205d52ab38"},
	} {
		m, err := ParseFileWith(tc.file, read)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if got := m.Digest(); got != tc.want {
			t.Errorf("%s: digest %s, want %s", tc.file, got, tc.want)
		}
	}
}
