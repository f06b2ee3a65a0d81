package auth

import (
	"encoding/base64"
	"strconv"
	"testing"
)

func benchChecker(b *testing.B) *Checker {
	allow := []string{"orders.>", "metrics.*", "svc.*.req"}
	for i := range 50 {
		allow = append(allow, "app"+strconv.Itoa(i)+".*.events")
	}
	return mustCompile(b, &Permissions{
		Publish:   &SubjectPermission{Allow: allow, Deny: []string{"orders.secret", "svc.admin.req"}},
		Subscribe: &SubjectPermission{Allow: allow, Deny: []string{"orders.secret"}},
	})
}

func BenchmarkCanPublishHit(b *testing.B) {
	c := benchChecker(b)
	k := c.NewCache()
	subj := []byte("orders.eu.new")
	c.CanPublish(k, subj)
	b.ReportAllocs()
	for b.Loop() {
		if !c.CanPublish(k, subj) {
			b.Fatal("refused")
		}
	}
}

// Miss: the uncached trie lookup (no cache, so nothing is inserted).
func BenchmarkCanPublishMiss(b *testing.B) {
	c := benchChecker(b)
	subj := []byte("app42.eu.events")
	b.ReportAllocs()
	for b.Loop() {
		if !c.CanPublish(nil, subj) {
			b.Fatal("refused")
		}
	}
}

// Churn: every subject is new, so each call misses, inserts, and now and
// then prunes the bounded cache.
func BenchmarkCanPublishChurn(b *testing.B) {
	c := benchChecker(b)
	k := c.NewCache()
	subjs := make([][]byte, 4096)
	for i := range subjs {
		subjs[i] = []byte("orders." + strconv.Itoa(i))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.CanPublish(k, subjs[i%len(subjs)])
		i++
	}
}

func BenchmarkCanDeliverHit(b *testing.B) {
	c := benchChecker(b)
	k := c.NewCache()
	subj := []byte("orders.eu.new")
	c.CanDeliver(k, subj, "")
	b.ReportAllocs()
	for b.Loop() {
		if !c.CanDeliver(k, subj, "") {
			b.Fatal("refused")
		}
	}
}

func BenchmarkCanSubscribe(b *testing.B) {
	c := benchChecker(b)
	b.ReportAllocs()
	for b.Loop() {
		if !c.CanSubscribe("orders.*", "workers") {
			b.Fatal("refused")
		}
	}
}

func benchCheck(b *testing.B, cost int) {
	hash, err := HashPassword("s3cret", cost)
	if err != nil {
		b.Fatal(err)
	}
	a := mustNew(b, &Config{Users: []*User{{Username: "u", Password: hash}}})
	cr := &Credentials{User: "u", Pass: "s3cret"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Check(cr, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckBcryptCost4(b *testing.B)  { benchCheck(b, 4) }
func BenchmarkCheckBcryptCost11(b *testing.B) { benchCheck(b, DefaultBcryptCost) }

func BenchmarkCheckPlain(b *testing.B) {
	a := mustNew(b, &Config{Users: []*User{{Username: "u", Password: "s3cret"}}})
	cr := &Credentials{User: "u", Pass: "s3cret"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Check(cr, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckNkey(b *testing.B) {
	kp, pub := newUserKey(b)
	a := mustNew(b, &Config{Users: []*User{{Nkey: pub}}})
	nonce := NewNonce()
	cr := &Credentials{Nkey: pub, Sig: sign(b, kp, nonce, base64.RawURLEncoding)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Check(cr, nonce); err != nil {
			b.Fatal(err)
		}
	}
}
