package auth

import (
	"strconv"
	"testing"
)

func TestCacheBounded(t *testing.T) {
	c := mustCompile(t, &Permissions{
		Publish:   &SubjectPermission{Deny: []string{"x.>"}},
		Subscribe: &SubjectPermission{Deny: []string{"x.>"}},
	})
	k := c.NewCache()
	for i := range 10 * CacheSize {
		s := []byte("a." + strconv.Itoa(i))
		if !c.CanPublish(k, s) || !c.CanDeliver(k, s, "") || !c.CanDeliver(k, s, "q"+strconv.Itoa(i)) {
			t.Fatal("refused")
		}
		if c.CanPublish(k, []byte("x.1")) {
			t.Fatal("allowed")
		}
	}
	if len(k.pub) > CacheSize || len(k.del) > CacheSize || len(k.qdel) > CacheSize {
		t.Fatalf("cache grew: pub %d del %d queues %d", len(k.pub), len(k.del), len(k.qdel))
	}
	if k.Len() == 0 {
		t.Fatal("nothing cached")
	}
}

// A cache carried over to another Checker (after a reload) must not
// answer with the old decisions.
func TestCacheRebinds(t *testing.T) {
	old := mustCompile(t, pubPerm(nil, []string{"a"}))
	k := old.NewCache()
	if old.CanPublish(k, []byte("a")) || !old.CanPublish(k, []byte("b")) {
		t.Fatal("old")
	}
	cur := mustCompile(t, pubPerm(nil, []string{"b"}))
	if !cur.CanPublish(k, []byte("a")) || cur.CanPublish(k, []byte("b")) {
		t.Fatal("stale decision after rebinding")
	}
	subOld := mustCompile(t, subPerm(nil, []string{"a"}))
	if subOld.CanDeliver(k, []byte("a"), "q") || !subOld.CanDeliver(k, []byte("a.b"), "") {
		t.Fatal("deliver")
	}
	if k.owner != subOld || len(k.pub) != 0 {
		t.Fatal("cache not reset on rebinding")
	}
	var nilC *Checker
	if !nilC.CanPublish(k, []byte("a")) {
		t.Fatal("nil checker")
	}
}

func TestCachedHotPathAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race")
	}
	c := mustCompile(t, &Permissions{
		Publish:   &SubjectPermission{Allow: []string{"orders.>", "metrics.*"}, Deny: []string{"orders.secret"}},
		Subscribe: &SubjectPermission{Allow: []string{">"}, Deny: []string{"orders.secret", "orders.* audit"}},
	})
	k := c.NewCache()
	pubYes, pubNo := []byte("orders.new"), []byte("orders.secret")
	delYes, delNo := []byte("orders.new"), []byte("orders.secret")
	c.CanPublish(k, pubYes)
	c.CanPublish(k, pubNo)
	c.CanDeliver(k, delYes, "")
	c.CanDeliver(k, delNo, "")
	c.CanDeliver(k, delYes, "audit")
	tests := map[string]func(){
		"CanPublish hit allow": func() { _ = c.CanPublish(k, pubYes) },
		"CanPublish hit deny":  func() { _ = c.CanPublish(k, pubNo) },
		"CanDeliver hit":       func() { _ = c.CanDeliver(k, delYes, "") },
		"CanDeliver hit deny":  func() { _ = c.CanDeliver(k, delNo, "") },
		"CanDeliver queue hit": func() { _ = c.CanDeliver(k, delYes, "audit") },
		"CanSubscribe":         func() { _ = c.CanSubscribe("orders.*", "workers") },
		"uncached CanPublish":  func() { _ = c.CanPublish(nil, pubYes) }, // string([]byte) of a short subject stays on the stack
	}
	for name, fn := range tests {
		if n := testing.AllocsPerRun(1000, fn); n != 0 {
			t.Errorf("%s: %v allocs", name, n)
		}
	}
}
