package gateway

import (
	"testing"

	"github.com/gwd-project/gwd/engine/smppc"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/smsc"
)

// TestThrottledBindLeavesTheOtherSending: a connector with two binds whose
// SMSC throttles one of them (one submit a second, the rest
// ESME_RTHROTTLED). The other bind goes on sending at once — a pause of the
// whole connector for requeue_delay (120 s here) would hold everything —
// and every message reaches the SMSC exactly once, with its receipt back
// at the ESME.
func TestThrottledBindLeavesTheOtherSending(t *testing.T) {
	e := newEnv(t, smsc.Config{Throttle: 1, ThrottleBinds: 1}, func(c *smppc.Config) {
		c.Binds, c.Window, c.RequeueDelay = 2, 5, 120
	})
	waitUntil(t, "both binds up", func() bool { return e.sim.Stats().BoundNow == 2 })
	s, a := e.mustBind(smpp.BindTransceiver)
	const n = 100
	ids := sendN(t, s, a, n, 1)
	waitUntil(t, "every message accepted by the SMSC", func() bool { return e.sim.Stats().Total.SubmitOK >= n })
	waitUntil(t, "receipts at the ESME", func() bool { _, d := a.counts(); return d >= n })

	st := e.sim.Stats()
	if st.Total.Throttled == 0 {
		t.Fatal("the simulator never throttled: the test proves nothing")
	}
	if got := e.g.Connector("sim").Stats.Throttled.Load(); int64(got) != st.Total.Throttled {
		t.Fatalf("connector counted %d throttling answers, the SMSC sent %d", got, st.Total.Throttled)
	}
	var free bool
	for _, b := range st.BindsOpen {
		if b.SystemID == e.conn.Username && b.Throttled == 0 && b.SubmitOK > 0 {
			free = true
		}
	}
	if !free {
		t.Fatalf("no unthrottled bind carried traffic: %+v", st.BindsOpen)
	}
	// Throttled messages were sent again, never twice accepted.
	if st.Total.SubmitOK != n || st.Total.Submits != n+st.Total.Throttled {
		t.Fatalf("SMSC: %d submits, %d accepted, %d throttled; want %d accepted", st.Total.Submits, st.Total.SubmitOK, st.Total.Throttled, n)
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	_, dels := a.snapshot()
	for _, d := range dels {
		rid, _ := d.TLVs.CString(smpp.TagReceiptedMessageID)
		if !want[string(rid)] {
			t.Fatalf("receipt for %q: not one of ours, or a second one", rid)
		}
		delete(want, string(rid))
	}
	if len(want) != 0 {
		t.Fatalf("%d messages without receipt", len(want))
	}
}
