package store

import (
	"errors"
	"testing"
	"time"
)

func putInboundSync(t testing.TB, x *Index, id string, ctx []byte) {
	t.Helper()
	ch := make(chan error, 1)
	x.PutInbound(id, ctx, func(err error) { ch <- err })
	if err := <-ch; err != nil {
		t.Fatal(err)
	}
}

func TestInboundContext(t *testing.T) {
	clk := newIxClock()
	db, x := openIndex(t, Options{}, TTLs{}, IndexOptions{Now: clk.Now})
	if _, err := x.Inbound("mo-1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	ctx := []byte(`{"from":"+27831234567","to":"1234","transport":"smpp"}`)
	putInboundSync(t, x, "mo-1", ctx)
	putInboundSync(t, x, "mo-2", nil)
	ctx[0] = 'X' // the index kept its own copy
	got, err := x.Inbound("mo-1")
	if err != nil || string(got) != `{"from":"+27831234567","to":"1234","transport":"smpp"}` {
		t.Fatalf("mo-1: %q %v", got, err)
	}
	if got, err := x.Inbound("mo-2"); err != nil || len(got) != 0 {
		t.Fatalf("mo-2: %q %v", got, err)
	}
	// Replaced by a later put, in a later bucket.
	clk.Add(200 * time.Second)
	putInboundSync(t, x, "mo-1", []byte("v2"))
	if got, err := x.Inbound("mo-1"); err != nil || string(got) != "v2" {
		t.Fatalf("mo-1 replaced: %q %v", got, err)
	}

	// Default inbound TTL: 600 s.
	clk.Add(401 * time.Second) // mo-2 601 s old, mo-1 401 s
	if _, err := x.Inbound("mo-2"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("mo-2 after 601 s: %v", err)
	}
	if got, err := x.Inbound("mo-1"); err != nil || string(got) != "v2" {
		t.Fatalf("mo-1 after 401 s: %q %v", got, err)
	}
	clk.Add(200 * time.Second)
	if _, err := x.Inbound("mo-1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("mo-1 after 601 s: %v", err)
	}
	if n := countKeys(t, db, ksInbound); n != 3 {
		t.Fatalf("%d inbound keys before the sweep", n)
	}
	clk.Add(time.Hour)
	if err := x.Sweep(clk.Now()); err != nil {
		t.Fatal(err)
	}
	if n := countKeys(t, db, ksInbound); n != 0 {
		t.Fatalf("%d inbound keys after the sweep", n)
	}
}

func TestInboundBadInput(t *testing.T) {
	db, x := openIndex(t, Options{}, TTLs{}, IndexOptions{})
	ch := make(chan error, 1)
	x.PutInbound("", []byte("x"), func(err error) { ch <- err })
	if err := <-ch; err == nil {
		t.Fatal("empty id accepted")
	}
	if n := countKeys(t, db, ksInbound); n != 0 {
		t.Fatalf("%d keys written", n)
	}
	if _, err := x.Inbound(""); err == nil || errors.Is(err, ErrNotFound) {
		t.Fatalf("Inbound(\"\"): %v", err)
	}
}
