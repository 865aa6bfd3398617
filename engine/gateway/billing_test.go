package gateway

import (
	"strings"
	"testing"

	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/smsc"
	"github.com/gwd-project/gwd/wal"
)

// TestMessagePayloadBilledBySMs: a submit_sm (and a data_sm) carrying 400
// GSM characters in message_payload is three SMs at the SMSC, and the
// user's balance pays for three, not one.
func TestMessagePayloadBilledBySMs(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	e.waitUp()
	e.g.MTTable().Flush()
	rt, err := router.NewMTRoute(router.RouteDefault, 0, nil, []string{"sim"}, router.RouteRate(1_000_000))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.g.MTTable().Add(rt, e.g.Known); err != nil {
		t.Fatal(err)
	}
	if err := e.g.Accounts().SetCredential("u1", "mt_messaging_cred", "quota", "balance", "10"); err != nil {
		t.Fatal(err)
	}
	if err := e.g.SetCounters("u1", wal.UserCounters{Balance: 10 * wal.AmountUnit, HasBalance: true}); err != nil {
		t.Fatal(err)
	}
	s, a := e.mustBind(smpp.BindTransmitter)
	long := []byte(strings.Repeat("0123456789", 40)) // 400 septets: 3 parts of 152
	for i, cmd := range []smpp.CommandID{smpp.SubmitSM, smpp.DataSM} {
		p := submit("33600000000", 0, "")
		p.Command = cmd
		p.TLVs = p.TLVs.Append(smpp.TagMessagePayload, long)
		if _, err := s.Send(&p, i); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "response", func() bool { r, _ := a.counts(); return r == i+1 })
		resps, _ := a.snapshot()
		if resps[i].Status != smpp.ESME_ROK {
			t.Fatalf("%v answered %v", cmd, resps[i].Status)
		}
		want := wal.Amount(10-3*(i+1)) * wal.AmountUnit
		if c, _ := e.g.Counters("u1"); c.Balance != want {
			t.Fatalf("after %d message_payload submits of 3 SMs the balance is %v, want %v", i+1, c.Balance, want)
		}
	}
}
