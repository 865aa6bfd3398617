package store

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// With the committer stalled, AppendNew takes up to MaxPending writes and
// refuses the next ones at once with ErrBusy, while Append (receipts, MOs)
// and plain writes (acks, configuration) are still taken; once the
// committer resumes, everything taken lands in order and nothing refused
// does.
func TestAppendNewRefusedPastMaxPending(t *testing.T) {
	const bound = 50
	stall := make(chan struct{})
	entered := make(chan struct{}, 1)
	var once sync.Once
	var armed atomic.Bool // after the queue is open
	db := openTest(t, Options{MaxPending: bound, BeforeCommit: func() {
		if !armed.Load() {
			return
		}
		select {
		case entered <- struct{}{}:
		default:
		}
		once.Do(func() { <-stall })
	}})
	var releaseOnce sync.Once
	release := func() { releaseOnce.Do(func() { close(stall) }) }
	t.Cleanup(release) // before the store closes, also when a check fails
	q, err := db.Queue("c1")
	if err != nil {
		t.Fatal(err)
	}
	armed.Store(true)
	results := make(chan error, 4*bound)
	appendNew := func() {
		q.AppendNew([]NewMsg{{Payload: []byte("mt")}}, Write{}, func(_ []uint64, err error) { results <- err })
	}
	// The first write enters the commit that stalls; the next ones wait.
	appendNew()
	<-entered
	for i := 0; i < bound; i++ {
		appendNew()
	}
	refused := 0
	for i := 0; i < bound; i++ {
		appendNew()
	}
	deadline := time.After(10 * time.Second)
	for refused < bound {
		select {
		case err := <-results:
			if !errors.Is(err, ErrBusy) {
				t.Fatalf("a write past the bound answered %v, want ErrBusy", err)
			}
			refused++
		case <-deadline:
			t.Fatalf("%d of %d writes past the bound refused while the store stalled", refused, bound)
		}
	}
	// Work the gateway owes is not refused by the bound.
	owed := make(chan error, 2)
	q.Append([]NewMsg{{Payload: []byte("receipt")}}, Write{}, func(_ []uint64, err error) { owed <- err })
	db.Submit(Write{Apply: func(b *Batch) { b.set([]byte{ksCounter, 1}, []byte("v")) }, Done: func(err error) { owed <- err }})
	release()
	for i := 0; i < 2; i++ {
		if err := <-owed; err != nil {
			t.Fatalf("a write the bound must not refuse: %v", err)
		}
	}
	for i := 0; i < bound+1; i++ {
		if err := <-results; err != nil {
			t.Fatalf("an accepted write: %v", err)
		}
	}
	// The store has room again.
	appendNew()
	if err := <-results; err != nil {
		t.Fatalf("AppendNew once the store caught up: %v", err)
	}
	for i := 0; i < bound+3; i++ {
		m, err := q.Take()
		if err != nil || m == nil {
			t.Fatalf("take %d of %d: %v %v", i, bound+3, m, err)
		}
	}
	if m, _ := q.Take(); m != nil {
		t.Fatalf("a refused message was stored: %q", m.Payload)
	}
}
