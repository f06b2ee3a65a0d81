package server

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Stream features that nats.go's KeyValue and ObjectStore build on. Each
// scenario takes a connection only, so the same steps were checked
// against nats-server 2.15.2.

// kvTTLScenario: a bucket with LimitMarkerTTL, a key created with a TTL
// (kv.Create with KeyTTL), its expiry seen by Get and by a watcher, and
// a purge marker with its own TTL (PurgeTTL).
func kvTTLScenario(t *testing.T, ctx context.Context, js jetstream.JetStream) {
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "TTL", LimitMarkerTTL: 2 * time.Second, Storage: jetstream.MemoryStorage, History: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer js.DeleteKeyValue(ctx, "TTL")
	status, err := kv.Status(ctx)
	if err != nil || status.LimitMarkerTTL() != 2*time.Second {
		t.Fatalf("status: %v %v", status, err)
	}
	si, _ := js.Stream(ctx, "KV_TTL")
	info, _ := si.Info(ctx)
	if !info.Config.AllowMsgTTL || info.Config.SubjectDeleteMarkerTTL != 2*time.Second {
		t.Fatalf("stream config %+v", info.Config)
	}
	w, err := kv.Watch(ctx, "k", jetstream.UpdatesOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	// Long enough for the two checks below on a loaded machine.
	rev, err := kv.Create(ctx, "k", []byte("v"), jetstream.KeyTTL(3*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if e, err := kv.Get(ctx, "k"); err != nil || string(e.Value()) != "v" || e.Revision() != rev {
		t.Fatalf("get: %v %v", e, err)
	}
	// Create on a live key fails.
	if _, err := kv.Create(ctx, "k", []byte("w")); !errors.Is(err, jetstream.ErrKeyExists) {
		t.Fatalf("second create: %v", err)
	}
	next := func() jetstream.KeyValueEntry {
		t.Helper()
		select {
		case e := <-w.Updates():
			if e == nil {
				t.Fatal("watcher ended")
			}
			return e
		case <-time.After(10 * time.Second):
			t.Fatal("no watch update")
		}
		return nil
	}
	if e := next(); e.Operation() != jetstream.KeyValuePut || string(e.Value()) != "v" {
		t.Fatalf("watch put: %v %s", e.Operation(), e.Value())
	}
	// The TTL runs out: the server leaves a marker the watcher sees as a purge.
	if e := next(); e.Operation() != jetstream.KeyValuePurge || e.Key() != "k" {
		t.Fatalf("watch after ttl: %v %q", e.Operation(), e.Key())
	}
	if _, err := kv.Get(ctx, "k"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("get after ttl: %v", err)
	}
	// The key can be created again.
	if _, err := kv.Create(ctx, "k", []byte("again")); err != nil {
		t.Fatalf("create after ttl: %v", err)
	}
	if e := next(); e.Operation() != jetstream.KeyValuePut || string(e.Value()) != "again" {
		t.Fatalf("watch put again: %v %s", e.Operation(), e.Value())
	}
	// A purge marker with a TTL goes away by itself, history included.
	kv.Put(ctx, "p", []byte("1"))
	if err := kv.Purge(ctx, "p", jetstream.PurgeTTL(time.Second)); err != nil {
		t.Fatal(err)
	}
	if h, err := kv.History(ctx, "p"); err != nil || len(h) != 1 || h[0].Operation() != jetstream.KeyValuePurge {
		t.Fatalf("history after purge: %v %v", h, err)
	}
	waitFor(t, func() bool {
		_, err := kv.History(ctx, "p")
		return errors.Is(err, jetstream.ErrKeyNotFound)
	})
	// KeyTTL without LimitMarkerTTL on the bucket is refused by the server.
	plain, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "PLAIN", Storage: jetstream.MemoryStorage})
	if err != nil {
		t.Fatal(err)
	}
	defer js.DeleteKeyValue(ctx, "PLAIN")
	if _, err := plain.Create(ctx, "x", []byte("1"), jetstream.KeyTTL(time.Second)); apiErrCode(err) != 10166 {
		t.Fatalf("ttl on a plain bucket: %v", err)
	}
}

// objScenario: links, delete, watch and seal of an object store.
func objScenario(t *testing.T, ctx context.Context, js jetstream.JetStream) {
	obs, err := js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: "OB", Storage: jetstream.MemoryStorage})
	if err != nil {
		t.Fatal(err)
	}
	defer js.DeleteObjectStore(ctx, "OB")
	w, err := obs.Watch(ctx, jetstream.UpdatesOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	next := func() *jetstream.ObjectInfo {
		t.Helper()
		select {
		case i := <-w.Updates():
			if i == nil {
				t.Fatal("watcher ended")
			}
			return i
		case <-time.After(10 * time.Second):
			t.Fatal("no watch update")
		}
		return nil
	}
	a, err := obs.PutString(ctx, "a", "hello")
	if err != nil {
		t.Fatal(err)
	}
	if i := next(); i.Name != "a" || i.Size != 5 || i.Deleted {
		t.Fatalf("watch put: %+v", i)
	}
	l, err := obs.AddLink(ctx, "l", a)
	if err != nil || l.Opts == nil || l.Opts.Link == nil || l.Opts.Link.Name != "a" || l.Opts.Link.Bucket != "OB" {
		t.Fatalf("link: %+v %v", l, err)
	}
	if i := next(); i.Name != "l" || i.Opts.Link == nil {
		t.Fatalf("watch link: %+v", i)
	}
	if s, err := obs.GetString(ctx, "l"); err != nil || s != "hello" {
		t.Fatalf("get through link: %q %v", s, err)
	}
	if _, err := obs.AddLink(ctx, "ll", l); !errors.Is(err, jetstream.ErrNoLinkToLink) {
		t.Fatalf("link to link: %v", err)
	}
	// A bucket link to another store.
	other, err := js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: "OB2", Storage: jetstream.MemoryStorage})
	if err != nil {
		t.Fatal(err)
	}
	defer js.DeleteObjectStore(ctx, "OB2")
	other.PutString(ctx, "x", "from OB2")
	if _, err := obs.AddBucketLink(ctx, "b", other); err != nil {
		t.Fatal(err)
	}
	next()
	if i, err := obs.GetInfo(ctx, "b"); err != nil || i.Opts.Link == nil || i.Opts.Link.Bucket != "OB2" || i.Opts.Link.Name != "" {
		t.Fatalf("bucket link: %+v %v", i, err)
	}
	if err := obs.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if i := next(); i.Name != "a" || !i.Deleted {
		t.Fatalf("watch delete: %+v", i)
	}
	if _, err := obs.GetString(ctx, "a"); !errors.Is(err, jetstream.ErrObjectNotFound) {
		t.Fatalf("get deleted: %v", err)
	}
	if i, err := obs.GetInfo(ctx, "a", jetstream.GetObjectInfoShowDeleted()); err != nil || !i.Deleted || i.Size != 0 {
		t.Fatalf("deleted info: %+v %v", i, err)
	}
	// The chunks went with the delete.
	si, _ := js.Stream(ctx, "OBJ_OB")
	if _, err := si.GetLastMsgForSubject(ctx, "$O.OB.C."+a.NUID); err == nil {
		t.Fatal("chunks of a deleted object remain")
	}
	if err := obs.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := obs.Status(ctx)
	if err != nil || !st.Sealed() {
		t.Fatalf("sealed status: %v %v", st, err)
	}
	if _, err := obs.PutString(ctx, "c", "no"); err == nil {
		t.Fatal("put into a sealed store")
	}
	if err := obs.Delete(ctx, "l"); err == nil {
		t.Fatal("delete in a sealed store")
	}
	if s, err := obs.GetString(ctx, "l"); err == nil {
		t.Fatalf("link to a deleted object reads %q", s)
	}
}

// longCtx outlasts the TTLs the scenarios wait for (jsCtx's 10 s is
// tight for them on a loaded machine under the race detector).
func longCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestJetStreamKVKeyTTL(t *testing.T) {
	s := jsStart(t, "", nil)
	_, js := jsConnect(t, s)
	kvTTLScenario(t, longCtx(t), js)
}

func TestJetStreamObjectStoreLinksSealWatch(t *testing.T) {
	s := jsStart(t, "", nil)
	_, js := jsConnect(t, s)
	objScenario(t, longCtx(t), js)
}

// TestJetStreamRepublishHeadersOnly: republish with headers_only sends
// the headers nats-server sends (the message's own first, then
// Nats-Stream, -Subject, -Sequence, -Time-Stamp, -Last-Sequence (the
// subject's previous sequence) and -Msg-Size) and no payload; a KV
// bucket's republish carries its headers too.
func TestJetStreamRepublishHeadersOnly(t *testing.T) {
	s := jsStart(t, "", nil)
	nc, js := jsConnect(t, s)
	ctx := jsCtx(t)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "RP", Subjects: []string{"rp.>"},
		RePublish: &jetstream.RePublish{Source: "rp.>", Destination: "out.>", HeadersOnly: true}}); err != nil {
		t.Fatal(err)
	}
	sub, _ := nc.SubscribeSync("out.>")
	nc.Flush()
	m := nats.NewMsg("rp.a")
	m.Header.Set("X-A", "1")
	m.Data = []byte("hello")
	js.PublishMsg(ctx, m)
	js.Publish(ctx, "rp.a", []byte("again"))
	for i, want := range []struct{ seq, last, xa string }{{"1", "0", "1"}, {"2", "1", ""}} {
		rm, err := sub.NextMsg(5 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		h := rm.Header
		if rm.Subject != "out.a" || len(rm.Data) != 0 || h.Get("Nats-Stream") != "RP" || h.Get("Nats-Subject") != "rp.a" ||
			h.Get("Nats-Sequence") != want.seq || h.Get("Nats-Last-Sequence") != want.last || h.Get("Nats-Msg-Size") != "5" ||
			h.Get("X-A") != want.xa || h.Get("Nats-Time-Stamp") == "" {
			t.Fatalf("republished %d: %q %v %q", i, rm.Subject, h, rm.Data)
		}
	}

	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "RK",
		RePublish: &jetstream.RePublish{Source: ">", Destination: "kvout.>"}})
	if err != nil {
		t.Fatal(err)
	}
	ks, _ := nc.SubscribeSync("kvout.>")
	nc.Flush()
	kv.Put(ctx, "k1", []byte("v1"))
	kv.Delete(ctx, "k1")
	rm, err := ks.NextMsg(5 * time.Second)
	if err != nil || rm.Subject != "kvout.$KV.RK.k1" || string(rm.Data) != "v1" || rm.Header.Get("Nats-Stream") != "KV_RK" {
		t.Fatalf("kv republish: %+v %v", rm, err)
	}
	rm, err = ks.NextMsg(5 * time.Second)
	if err != nil || rm.Header.Get("KV-Operation") != "DEL" || rm.Header.Get("Nats-Last-Sequence") != "1" {
		t.Fatalf("kv delete republish: %+v %v", rm, err)
	}
}
