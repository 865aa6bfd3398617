package gateway

import (
	"testing"
	"time"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/smsc"
	"github.com/gwd-project/gwd/store"
)

// The store's write-ahead log stops writing: gwd keeps running, every
// submit_sm after the fault, read on a raw socket, is answered
// ESME_RSYSERR, not ESME_ROK, and the SMSC gets only the message
// acknowledged before the fault. On main the committer went on applying
// batches to Pebble after the failed sync, and the memtable rotation they
// caused (a small memtable here; 64 MiB in production) crashed the process
// (Pebble panics rotating a WAL that failed).
func TestStoreFailureRefusesSubmit(t *testing.T) {
	const chunk, rounds = 100, 40
	faults := &store.FaultSwitch{}
	// fsync on, as in production: without it Pebble acknowledges before
	// its WAL is written, and a failed write is learnt later.
	e := newEnvWith(t, smsc.Config{}, nil, func(c *config.Config) { c.Store.Sync, c.SMPPServer.Window = true, chunk }, func(o *Options) {
		o.StoreOptions = func(so *store.Options) { so.Faults, so.MemTableSize = faults, 256<<10 }
	})
	t.Cleanup(faults.Reset)
	e.waitUp()
	r := e.rawTransmitter()
	send := func(seq uint32, what string) smpp.Status {
		t.Helper()
		p := submit("33600000001", 0, what)
		p.Seq = seq
		r.write(p)
		cmd, st, got, _ := r.read(10*time.Second, what)
		if cmd != smpp.SubmitSMResp || got != seq {
			t.Fatalf("%s: %v seq %d", what, cmd, got)
		}
		return st
	}
	if st := send(2, "before the fault"); st != smpp.ESME_ROK {
		t.Fatalf("submit before the fault: %v", st)
	}
	faults.Trip()
	if st := send(3, "at the fault"); st != smpp.ESME_RSYSERR {
		t.Fatalf("submit at the fault: %v, want ESME_RSYSERR", st)
	}
	faults.Reset() // the disk answers again: Pebble's WAL stays failed
	// Enough to fill the memtable several times over, a window at a time.
	seq := uint32(4)
	ps := make([]smpp.PDU, chunk)
	for range rounds {
		for i := range ps {
			ps[i] = submit("33600000001", 1, "after the fault, a message long enough to fill a memtable fast: 0123456789 0123456789 0123456789")
			ps[i].Seq = seq
			seq++
		}
		r.write(ps...)
		for range ps {
			cmd, st, got, _ := r.read(10*time.Second, "an answer after the fault")
			if cmd != smpp.SubmitSMResp || st != smpp.ESME_RSYSERR {
				t.Fatalf("after the fault: %v %v seq %d, want submit_sm_resp ESME_RSYSERR", cmd, st, got)
			}
		}
	}
	if err := e.g.db.Failed(); err == nil {
		t.Fatal("the store does not say it failed")
	}
	waitUntil(t, "the acknowledged message at the SMSC", func() bool { return e.sim.Stats().Total.SubmitOK >= 1 })
	time.Sleep(100 * time.Millisecond)
	if n := e.sim.Stats().Total.SubmitOK; n != 1 {
		t.Fatalf("the SMSC got %d messages, want the 1 acknowledged", n)
	}
}
