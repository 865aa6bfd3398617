package gateway

import (
	"fmt"
	"testing"
	"time"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/smsc"
	"github.com/gwd-project/gwd/store"
)

// With the store stalled, an ESME pipelining far more submit_sm than
// [store] max_pending_writes (within its inbound window) gets
// ESME_RTHROTTLED at once for those past the bound, read on a raw
// socket; once the store resumes, every message answered ESME_ROK
// reaches the SMSC, and none of the throttled ones.
func TestStoreBusyThrottlesSubmits(t *testing.T) {
	const bound, sent = 8, 60
	gate := &storeGate{open: make(chan struct{})}
	entered := make(chan struct{}, 1)
	e := newEnvWith(t, smsc.Config{}, nil,
		func(c *config.Config) { c.SMPPServer.Window = 2 * sent; c.Store.MaxPendingWrites = bound },
		func(o *Options) {
			o.StoreOptions = func(so *store.Options) {
				gate.hook(so)
				wait := so.BeforeCommit
				so.BeforeCommit = func() {
					if gate.shut.Load() {
						select {
						case entered <- struct{}{}:
						default:
						}
					}
					wait()
				}
			}
		})
	t.Cleanup(gate.release) // runs before the gateway's Close
	e.waitUp()

	r := e.rawTransmitter()
	gate.shut.Store(true)
	ps := make([]smpp.PDU, sent)
	for i := range ps {
		ps[i] = submit(fmt.Sprintf("336%08d", i), 0, fmt.Sprintf("message %d", i))
		ps[i].Seq = 2 + uint32(i)
	}
	// The first enters the commit that stalls; of the others, the bound
	// is taken and the rest are answered now, though nothing is durable.
	r.write(ps[0])
	<-entered
	r.write(ps[1:]...)
	throttled := 0
	for throttled < sent-1-bound {
		cmd, st, seq, _ := r.read(10*time.Second, "an answer while the store is stalled (no bound on pending writes?)")
		if cmd != smpp.SubmitSMResp || st != smpp.ESME_RTHROTTLED {
			t.Fatalf("while the store is stalled: %v %v seq %d, want submit_sm_resp ESME_RTHROTTLED", cmd, st, seq)
		}
		throttled++
	}
	gate.release()
	accepted := 0
	for throttled+accepted < sent {
		cmd, st, seq, _ := r.read(10*time.Second, "the remaining answers")
		switch {
		case cmd == smpp.SubmitSMResp && st == smpp.ESME_ROK:
			accepted++
		case cmd == smpp.SubmitSMResp && st == smpp.ESME_RTHROTTLED:
			throttled++
		default:
			t.Fatalf("after the store resumed: %v %v seq %d", cmd, st, seq)
		}
	}
	if accepted == 0 || accepted > bound+1 {
		t.Fatalf("%d submit_sm accepted, want 1 to %d (the stalled one and the bound)", accepted, bound+1)
	}
	waitUntil(t, "the accepted messages at the SMSC", func() bool { return e.sim.Stats().Total.SubmitOK >= int64(accepted) })
	waitUntil(t, "the connector's queue empty", func() bool {
		st := e.g.Connector("sim").Queue().Stats()
		return st.Ready == [4]int{} && st.Delayed == 0 && st.Leased == 0
	})
	if n := e.sim.Stats().Total.Submits; n != int64(accepted) {
		t.Fatalf("the SMSC saw %d submit_sm, want the %d accepted", n, accepted)
	}
	// The store caught up: the same bind is served again.
	p := submit("33600000001", 0, "after")
	p.Seq = 1000
	r.write(p)
	if cmd, st, _, _ := r.read(10*time.Second, "a submit once the store caught up"); cmd != smpp.SubmitSMResp || st != smpp.ESME_ROK {
		t.Fatalf("once the store caught up: %v %v, want ESME_ROK", cmd, st)
	}
}
