package store

import (
	"sync"
	"testing"
	"time"
)

// TestDonePanicDoesNotStopTheCommitter: a Done callback that panics is
// counted and skipped; the other writers' callbacks of its batch and the
// commits after it still run.
func TestDonePanicDoesNotStopTheCommitter(t *testing.T) {
	for _, noSync := range []bool{true, false} {
		db := openTest(t, Options{NoSync: noSync})
		before := donePanics.Get()
		var wg sync.WaitGroup
		const n = 20
		wg.Add(n - 1)
		for i := 0; i < n; i++ {
			k := []byte{ksCounter, 9, byte(i)}
			w := Write{Apply: func(b *Batch) { b.set(k, []byte("v")) }}
			if i == 5 {
				w.Done = func(error) { panic("callback bug") }
			} else {
				w.Done = func(err error) {
					if err != nil {
						t.Error(err)
					}
					wg.Done()
				}
			}
			db.Submit(w)
		}
		waited := make(chan struct{})
		go func() { wg.Wait(); close(waited) }()
		select {
		case <-waited:
		case <-time.After(10 * time.Second):
			t.Fatal("the other callbacks did not all run")
		}
		if got := donePanics.Get() - before; got != 1 {
			t.Errorf("gwd_panics_total{where=store} +%d, want 1", got)
		}
		if err := db.Do(func(b *Batch) { b.set([]byte{ksCounter, 9, 99}, nil) }); err != nil {
			t.Fatalf("commit after the panic: %v", err)
		}
	}
}
