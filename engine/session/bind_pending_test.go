package session

import (
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

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

// boundLate is a recApp whose Bound takes a while and then marks the
// session registered.
type boundLate struct {
	*recApp
	registered atomic.Bool
}

func (a *boundLate) Bound(s *Session) {
	time.Sleep(50 * time.Millisecond)
	a.registered.Store(true)
	a.recApp.Bound(s)
}

// A bind answered through FinishBind reaches the ESME only once Bound has
// run: an ESME that acts on its bind_resp at once (an operator unbinding
// it, a deliver_sm it waits for) finds the session registered.
func TestServerBindPendingAnswerAfterBound(t *testing.T) {
	app := &boundLate{recApp: newRecApp(func(*smpp.PDU) smpp.Status { return BindPending })}
	h := NewServerHandler(Config{}, app)
	sessions := make(chan *Session, 1)
	srv, err := netio.Listen("127.0.0.1:0", netio.Options{TickInterval: tick}, func(c *netio.Conn) netio.Handler {
		hd := h(c)
		sessions <- c.User.(*Session)
		return hd
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	nc, err := net.DialTimeout("tcp", srv.Addr().String(), wait)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	s := <-sessions
	writePDU(t, nc, bindReq(smpp.BindTransceiver, 1, "esme", "pw"))
	next(t, app.binds, "Bind")
	go func() { _ = s.FinishBind(func() smpp.Status { return smpp.ESME_ROK }) }()
	expectPDU(t, nc, smpp.BindTransceiverResp, smpp.ESME_ROK, 1)
	if !app.registered.Load() {
		t.Fatal("bind_resp reached the ESME before Bound ran")
	}
}
