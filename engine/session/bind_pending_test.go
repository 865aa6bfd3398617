package session

import (
	"errors"
	"testing"

	"github.com/gwd-project/gwd/netio"
	"github.com/gwd-project/gwd/smpp"
)

// A bind the app answers later (a password checked off the event loop):
// nothing goes back until FinishBind; meanwhile the session serves
// enquire_link, refuses requests with ESME_RINVBNDSTS and a second bind
// with ESME_RALYBND; FinishBind's status is the bind_resp.
func TestServerBindPending(t *testing.T) {
	for _, st := range []smpp.Status{smpp.ESME_ROK, smpp.ESME_RINVPASWD} {
		t.Run(st.String(), func(t *testing.T) {
			app := newRecApp(func(*smpp.PDU) smpp.Status { return BindPending })
			ts := startServer(t, Config{}, app)
			nc, s := ts.connect(t)
			writePDU(t, nc, bindReq(smpp.BindTransceiver, 7, "esme-1", "pw"))
			next(t, app.binds, "Bind")
			// The next thing on the wire answers this enquire_link: the
			// bind is still unanswered.
			roundTrip(t, nc, 8)
			writePDU(t, nc, submitReq(9, "123", "early"))
			expectPDU(t, nc, smpp.SubmitSMResp, smpp.ESME_RINVBNDSTS, 9)
			writePDU(t, nc, bindReq(smpp.BindTransmitter, 10, "esme-1", "pw"))
			expectPDU(t, nc, smpp.BindTransmitterResp, smpp.ESME_RALYBND, 10)
			none(t, app.binds, "Bind for the second bind")
			if s.State() != Open {
				t.Fatalf("state while pending %v", s.State())
			}

			done := make(chan error, 1)
			go func() { done <- s.FinishBind(func() smpp.Status { return st }) }()
			resp := expectPDU(t, nc, smpp.BindTransceiverResp, st, 7)
			if err := <-done; err != nil {
				t.Fatalf("FinishBind: %v", err)
			}
			if st == smpp.ESME_ROK {
				if string(resp.SystemID) != "esme-1" || s.State() != BoundTRX || s.SystemID() != "esme-1" {
					t.Fatalf("bound as %q, state %v", resp.SystemID, s.State())
				}
				next(t, app.bounds, "Bound")
			} else {
				if resp.Length != smpp.HeaderLen || s.State() != Open {
					t.Fatalf("refusal: command_length %d, state %v", resp.Length, s.State())
				}
				none(t, app.bounds, "Bound")
			}
			// Answered once only.
			ran := false
			if err := s.FinishBind(func() smpp.Status { ran = true; return smpp.ESME_ROK }); !errors.Is(err, ErrNoBindPending) || ran {
				t.Fatalf("second FinishBind: %v, decide ran %v", err, ran)
			}
			roundTrip(t, nc, 11)
		})
	}
}

// A session that closes while its bind is pending: FinishBind reports it
// and does not run decide, so the app has nothing to undo.
func TestServerBindPendingClosed(t *testing.T) {
	app := newRecApp(func(*smpp.PDU) smpp.Status { return BindPending })
	ts := startServer(t, Config{}, app)
	nc, s := ts.connect(t)
	writePDU(t, nc, bindReq(smpp.BindTransmitter, 1, "esme", "pw"))
	next(t, app.binds, "Bind")
	_ = nc.Close()
	next(t, app.closes, "Closed")
	ran := false
	err := s.FinishBind(func() smpp.Status { ran = true; return smpp.ESME_ROK })
	if !errors.Is(err, netio.ErrClosed) || ran {
		t.Fatalf("FinishBind after close: %v, decide ran %v", err, ran)
	}
}
