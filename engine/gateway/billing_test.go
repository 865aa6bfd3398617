package gateway

import (
	"strings"
	"testing"
	"time"

	"github.com/gwd-project/gwd/engine/manage"
	"github.com/gwd-project/gwd/router/ledger"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/smsc"
	"github.com/gwd-project/gwd/store"
)

// TestMessagePayloadBilledBySMs: a submit_sm (and a data_sm) carrying 400
// GSM characters in message_payload is three SMs at the SMSC, and the
// user's balance pays for three, not one.
func TestMessagePayloadBilledBySMs(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	e.waitUp()
	e.rateRoute(1_000_000)
	e.g.do(t, func(tx *manage.Tx) error {
		return tx.SetCounters("u1", ledger.Counters{Balance: 10 * ledger.MoneyUnit, HasBalance: true})
	})
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
		want := ledger.Money(10-3*(i+1)) * ledger.MoneyUnit
		if c, _ := e.g.Counters("u1"); c.Balance != want {
			t.Fatalf("after %d message_payload submits of 3 SMs the balance is %v, want %v", i+1, c.Balance, want)
		}
	}
}

// TestNoRestChargedWhenNothingWasTaken: a user limited by sms_count only
// pays no balance at submit; a balance set while the SMSC's answer is
// still out must not be debited the "rest" of a charge whose first share
// was never taken.
func TestNoRestChargedWhenNothingWasTaken(t *testing.T) {
	e := newEnv(t, smsc.Config{ResponseDelay: smsc.Duration{Duration: 700 * time.Millisecond}}, nil)
	e.waitUp()
	e.rateRoute(1_200_000)
	if err := e.g.Accounts().SetCredential("u1", "mt_messaging_cred", "quota", "early_percent", "25"); err != nil {
		t.Fatal(err)
	}
	e.g.do(t, func(tx *manage.Tx) error {
		return tx.SetCounters("u1", ledger.Counters{SMS: 5, HasSMS: true})
	})
	s, a := e.mustBind(smpp.BindTransmitter)
	ids := sendN(t, s, a, 1, 0)
	// The SMSC holds its answer: the balance appears meanwhile.
	e.g.do(t, func(tx *manage.Tx) error {
		return tx.SetCounters("u1", ledger.Counters{Balance: 2 * ledger.MoneyUnit, HasBalance: true, SMS: 4, HasSMS: true})
	})
	waitUntil(t, "the SMSC's answer", func() bool {
		st, _, _ := e.g.MessageState(ids[0])
		return st == store.EventSubmitted
	})
	if c, _ := e.g.Counters("u1"); c.Balance != 2*ledger.MoneyUnit || c.SMS != 4 {
		t.Fatalf("after the answer: balance %v sms %d, want 2 and 4 (nothing was taken at submit)", c.Balance, c.SMS)
	}
}
