package session

import (
	"sync/atomic"
	"testing"

	"github.com/gwd-project/gwd/smpp"
)

// holdApp binds everyone, answers query_sm at once with Write and holds
// every other request for the test to answer.
type holdApp struct {
	BaseApp
	held chan uint32
}

func (holdApp) Bind(*Session, *smpp.PDU) smpp.Status { return smpp.ESME_ROK }

func (a holdApp) Request(s *Session, req *smpp.PDU) {
	if req.Command == smpp.QuerySM {
		resp := smpp.PDU{Header: smpp.Header{Command: smpp.QuerySMResp, Seq: req.Seq, Status: smpp.ESME_RQUERYFAIL}}
		_ = s.Write(&resp)
		return
	}
	a.held <- req.Seq
}

// The inbound window counts the requests handed to the app and not yet
// answered: beyond it the session answers ESME_RTHROTTLED and the app
// never sees the request; what the session answers itself (enquire_link)
// takes no place; answers by Respond and by Write free theirs.
func TestServerInboundWindow(t *testing.T) {
	var throttled atomic.Uint64
	app := holdApp{held: make(chan uint32, 16)}
	h := NewServerHandler(Config{InboundWindow: 2, Throttled: &throttled}, app)
	ts := &testServer{sessions: make(chan *Session, 1)}
	startWith(t, ts, h)
	nc, s := ts.connect(t)
	bindRaw(t, nc, smpp.BindTransceiver, 1)
	heldSeq := func(want uint32) {
		t.Helper()
		select {
		case got := <-app.held:
			if got != want {
				t.Fatalf("app got seq %d, want %d", got, want)
			}
		default:
			t.Fatalf("app did not get seq %d", want)
		}
	}

	writePDU(t, nc, submitReq(2, "336", "a"))
	writePDU(t, nc, submitReq(3, "336", "b"))
	writeEmpty(t, nc, smpp.EnquireLink, 0, 4)
	expectPDU(t, nc, smpp.EnquireLinkResp, smpp.ESME_ROK, 4)
	writePDU(t, nc, submitReq(5, "336", "c"))
	expectPDU(t, nc, smpp.SubmitSMResp, smpp.ESME_RTHROTTLED, 5)
	heldSeq(2)
	heldSeq(3)
	if len(app.held) != 0 {
		t.Fatalf("the throttled request reached the app")
	}

	if err := s.Respond(smpp.SubmitSM, 2, smpp.ESME_ROK, []byte("id-2")); err != nil {
		t.Fatal(err)
	}
	expectPDU(t, nc, smpp.SubmitSMResp, smpp.ESME_ROK, 2)
	q := smpp.PDU{Header: smpp.Header{Command: smpp.QuerySM, Seq: 6}}
	q.MessageID = []byte("id-2")
	q.Source = smpp.Address{Addr: []byte("x")}
	writePDU(t, nc, &q)
	expectPDU(t, nc, smpp.QuerySMResp, smpp.ESME_RQUERYFAIL, 6)
	writePDU(t, nc, submitReq(7, "336", "d"))
	writePDU(t, nc, submitReq(8, "336", "e"))
	expectPDU(t, nc, smpp.SubmitSMResp, smpp.ESME_RTHROTTLED, 8)
	heldSeq(7)
	if n := throttled.Load(); n != 2 {
		t.Fatalf("Throttled counted %d, want 2", n)
	}
}
