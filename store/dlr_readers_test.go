package store

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// onDiskOnly opens an index on a store holding one DLR mapping that only
// Pebble has (it was put through another index, since closed: a
// restart), with opts; BeforeRead signals entered and waits for release.
func onDiskOnly(t *testing.T, opts IndexOptions) (x *Index, entered chan struct{}, release func()) {
	t.Helper()
	db, first := openIndex(t, Options{}, TTLs{}, IndexOptions{Hold: -1})
	putDLRSync(t, first, DLR{Connector: "c", SMSCID: "old", GatewayID: "gw", Dest: []byte{7}})
	_ = first.Close()
	entered = make(chan struct{}, 16)
	gate := make(chan struct{})
	opts.SweepEvery = -1
	opts.BeforeRead = func() {
		entered <- struct{}{}
		<-gate
	}
	x, err := NewIndex(db, TTLs{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	released := false
	release = func() {
		if !released {
			released = true
			close(gate)
		}
	}
	t.Cleanup(func() { release(); _ = x.Close() })
	return x, entered, release
}

// A mapping only on disk is read by a DLR reader: LookupDLR returns while
// the read is blocked, and the answer comes when the read is let go.
func TestDLRMissReadOffCallersGoroutine(t *testing.T) {
	x, entered, release := onDiskOnly(t, IndexOptions{Hold: -1})
	got := make(chan lookupResult, 1)
	returned := make(chan struct{})
	go func() {
		x.LookupDLR("c", "old", func(d DLR, err error) { got <- lookupResult{d, err} })
		close(returned)
	}()
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		release()
		t.Fatal("LookupDLR blocked its caller while the Pebble read was held up")
	}
	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the read never started")
	}
	if len(got) != 0 {
		t.Fatal("answered before the read")
	}
	release()
	select {
	case r := <-got:
		if r.err != nil || r.d.GatewayID != "gw" || !bytes.Equal(r.d.Dest, []byte{7}) {
			t.Fatalf("read from disk: %+v %v", r.d, r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("never answered after the read was let go")
	}
}

// The readers' queue is bounded: past it a miss is refused at once with
// ErrReadersBusy (the receipt is answered so that it comes again).
func TestDLRReadQueueFullRefusesAtOnce(t *testing.T) {
	x, entered, release := onDiskOnly(t, IndexOptions{Hold: -1, DLRReaders: 1, DLRReadQueue: 1})
	first := lookupAsync(x, "c", "old")
	<-entered // the reader is busy
	second := lookupAsync(x, "c", "unknown")
	third := lookupAsync(x, "c", "old")
	if len(third) != 1 {
		t.Fatal("lookup beyond the queue was not answered at once")
	}
	if r := <-third; !errors.Is(r.err, ErrReadersBusy) {
		t.Fatalf("beyond the queue: %+v %v", r.d, r.err)
	}
	release()
	if r := <-first; r.err != nil || r.d.GatewayID != "gw" {
		t.Fatalf("first: %+v %v", r.d, r.err)
	}
	if r := <-second; !errors.Is(r.err, ErrNotFound) {
		t.Fatalf("second: %+v %v", r.d, r.err)
	}
}

// Close answers a lookup still queued with ErrClosed, after the read
// under way.
func TestDLRReadersClose(t *testing.T) {
	x, entered, release := onDiskOnly(t, IndexOptions{Hold: -1, DLRReaders: 1})
	first := lookupAsync(x, "c", "old")
	<-entered
	queued := lookupAsync(x, "c", "old")
	closed := make(chan struct{})
	go func() { _ = x.Close(); close(closed) }()
	for !x.closed.Load() {
		time.Sleep(time.Millisecond)
	}
	release()
	<-closed
	if r := <-first; r.err != nil || r.d.GatewayID != "gw" {
		t.Fatalf("read under way at close: %+v %v", r.d, r.err)
	}
	if r := <-queued; !errors.Is(r.err, ErrClosed) {
		t.Fatalf("queued at close: %v", r.err)
	}
}
