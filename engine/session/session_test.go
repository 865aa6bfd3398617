package session

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gwd-project/gwd/netio"
	"github.com/gwd-project/gwd/smpp"
)

// These tests drive a Session from a raw net.Conn peer and check what that
// peer sees on the wire. Timers are short and the netio tick is 10 ms; every
// wait is bounded by wait, and no test asserts an upper bound on elapsed time.

const (
	tick = 10 * time.Millisecond
	wait = 5 * time.Second
)

// ---- the recording App ----

// rec is one App callback.
type rec struct {
	kind  string // bind, request, response, noresponse, bound, closed
	hdr   smpp.Header
	sysID string
	msgID string
	sm    string
	cmd   smpp.CommandID
	seq   uint32
	ctx   any
	err   error
}

// recApp records every callback on a channel per kind and in one ordered
// log. Binds are accepted unless bindStatus says otherwise; requests are
// answered ESME_ROK with message_id "id-<seq>".
type recApp struct {
	bindStatus func(req *smpp.PDU) smpp.Status

	binds, requests, responses, noResps, bounds, closes chan rec

	mu  sync.Mutex
	log []string
}

func newRecApp(bindStatus func(req *smpp.PDU) smpp.Status) *recApp {
	mk := func() chan rec { return make(chan rec, 256) }
	return &recApp{bindStatus: bindStatus, binds: mk(), requests: mk(), responses: mk(), noResps: mk(), bounds: mk(), closes: mk()}
}

func (a *recApp) put(c chan rec, r rec) {
	a.mu.Lock()
	a.log = append(a.log, r.kind)
	a.mu.Unlock()
	c <- r
}

func (a *recApp) kinds() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.log...)
}

func (a *recApp) Bind(s *Session, req *smpp.PDU) smpp.Status {
	a.put(a.binds, rec{kind: "bind", hdr: req.Header, sysID: string(req.SystemID)})
	if a.bindStatus == nil {
		return smpp.ESME_ROK
	}
	return a.bindStatus(req)
}

func (a *recApp) Request(s *Session, req *smpp.PDU) {
	a.put(a.requests, rec{kind: "request", hdr: req.Header, sm: string(req.ShortMessage)})
	_ = s.Respond(req.Command, req.Seq, smpp.ESME_ROK, []byte("id-"+strconv.Itoa(int(req.Seq))))
}

func (a *recApp) Response(s *Session, resp *smpp.PDU, ctx any) {
	a.put(a.responses, rec{kind: "response", hdr: resp.Header, msgID: string(resp.MessageID), ctx: ctx})
}

func (a *recApp) NoResponse(s *Session, cmd smpp.CommandID, seq uint32, ctx any, reason error) {
	a.put(a.noResps, rec{kind: "noresponse", cmd: cmd, seq: seq, ctx: ctx, err: reason})
}

func (a *recApp) Bound(s *Session) { a.put(a.bounds, rec{kind: "bound"}) }

func (a *recApp) Closed(s *Session, err error) { a.put(a.closes, rec{kind: "closed", err: err}) }

// next returns the next record from c.
func next(t *testing.T, c chan rec, what string) rec {
	t.Helper()
	select {
	case r := <-c:
		return r
	case <-time.After(wait):
		t.Fatalf("no %s within %v", what, wait)
		return rec{}
	}
}

// none fails if c holds a record. Call it after a round trip on the same
// connection, which proves that earlier frames have been handled.
func none(t *testing.T, c chan rec, what string) {
	t.Helper()
	select {
	case r := <-c:
		t.Fatalf("unexpected %s: %+v", what, r)
	default:
	}
}

// ---- the raw peer ----

func writeFrame(t *testing.T, nc net.Conn, frame []byte) {
	t.Helper()
	_ = nc.SetWriteDeadline(time.Now().Add(wait))
	if _, err := nc.Write(frame); err != nil {
		t.Fatalf("write: %v", err)
	}
}

func writePDU(t *testing.T, nc net.Conn, p *smpp.PDU) {
	t.Helper()
	writeFrame(t, nc, p.AppendTo(nil))
}

func writeEmpty(t *testing.T, nc net.Conn, cmd smpp.CommandID, st smpp.Status, seq uint32) {
	t.Helper()
	writeFrame(t, nc, smpp.AppendEmpty(nil, cmd, st, seq))
}

// tryReadFrame reads one frame by its command_length before deadline.
func tryReadFrame(nc net.Conn, deadline time.Time) ([]byte, error) {
	_ = nc.SetReadDeadline(deadline)
	var hdr [4]byte
	if _, err := io.ReadFull(nc, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n < smpp.HeaderLen || n > 1<<16 {
		return nil, errors.New("bad command_length " + strconv.Itoa(int(n)))
	}
	frame := make([]byte, n)
	copy(frame, hdr[:])
	if _, err := io.ReadFull(nc, frame[4:]); err != nil {
		return nil, err
	}
	return frame, nil
}

// readPDU reads and decodes the next frame.
func readPDU(t *testing.T, nc net.Conn) *smpp.PDU {
	t.Helper()
	frame, err := tryReadFrame(nc, time.Now().Add(wait))
	if err != nil {
		t.Fatalf("read frame: %v", err)
	}
	p := new(smpp.PDU)
	if err := p.Decode(frame); err != nil {
		t.Fatalf("decode % x: %v", frame, err)
	}
	return p
}

// expectPDU reads the next frame and checks its header.
func expectPDU(t *testing.T, nc net.Conn, cmd smpp.CommandID, st smpp.Status, seq uint32) *smpp.PDU {
	t.Helper()
	p := readPDU(t, nc)
	if p.Command != cmd || p.Status != st || p.Seq != seq {
		t.Fatalf("got %v %v seq %d, want %v %v seq %d", p.Command, p.Status, p.Seq, cmd, st, seq)
	}
	return p
}

// expectClose reads until the connection ends and returns the headers of
// the frames that came first.
func expectClose(t *testing.T, nc net.Conn) []smpp.Header {
	t.Helper()
	var got []smpp.Header
	deadline := time.Now().Add(wait)
	for {
		frame, err := tryReadFrame(nc, deadline)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("connection not closed within %v (frames before: %v)", wait, got)
			}
			return got
		}
		got = append(got, smpp.ReadHeader(frame))
	}
}

// expectCloseNoFrames is expectClose for a peer that must see nothing more.
func expectCloseNoFrames(t *testing.T, nc net.Conn) {
	t.Helper()
	if got := expectClose(t, nc); len(got) != 0 {
		t.Fatalf("frames before close: %+v", got)
	}
}

// roundTrip sends enquire_link seq and expects its response: every frame
// sent before it has then been handled.
func roundTrip(t *testing.T, nc net.Conn, seq uint32) {
	t.Helper()
	writeEmpty(t, nc, smpp.EnquireLink, smpp.ESME_ROK, seq)
	p := expectPDU(t, nc, smpp.EnquireLinkResp, smpp.ESME_ROK, seq)
	if p.Length != smpp.HeaderLen {
		t.Fatalf("enquire_link_resp command_length %d", p.Length)
	}
}

// ---- PDU builders ----

func bindReq(cmd smpp.CommandID, seq uint32, systemID, password string) *smpp.PDU {
	return &smpp.PDU{
		Header:           smpp.Header{Command: cmd, Seq: seq},
		SystemID:         []byte(systemID),
		Password:         []byte(password),
		SystemType:       []byte("test"),
		InterfaceVersion: 0x34,
	}
}

func submitReq(seq uint32, dest, text string) *smpp.PDU {
	return &smpp.PDU{
		Header:       smpp.Header{Command: smpp.SubmitSM, Seq: seq},
		Source:       smpp.Address{TON: 5, NPI: 0, Addr: []byte("gwd")},
		Dest:         smpp.Address{TON: 1, NPI: 1, Addr: []byte(dest)},
		ShortMessage: []byte(text),
	}
}

func deliverReq(seq uint32, text string) *smpp.PDU {
	p := submitReq(seq, "4477001", text)
	p.Command = smpp.DeliverSM
	return p
}

// ---- server side ----

type testServer struct {
	addr     string
	app      *recApp
	sessions chan *Session
}

func startServer(t *testing.T, cfg Config, app *recApp) *testServer {
	t.Helper()
	ts := &testServer{app: app, sessions: make(chan *Session, 16)}
	startWith(t, ts, NewServerHandler(cfg, app))
	return ts
}

// startWith starts ts's listener with the handler factory h.
func startWith(t *testing.T, ts *testServer, h func(*netio.Conn) netio.Handler) {
	t.Helper()
	srv, err := netio.Listen("127.0.0.1:0", netio.Options{TickInterval: tick}, func(c *netio.Conn) netio.Handler {
		hd := h(c)
		ts.sessions <- c.User.(*Session)
		return hd
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	ts.addr = srv.Addr().String()
}

// connect opens a raw ESME connection and returns it with its session.
func (ts *testServer) connect(t *testing.T) (net.Conn, *Session) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", ts.addr, wait)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	select {
	case s := <-ts.sessions:
		return nc, s
	case <-time.After(wait):
		t.Fatal("no session for the connection")
		return nil, nil
	}
}

// bindRaw binds nc as system_id "esme" and expects success.
func bindRaw(t *testing.T, nc net.Conn, cmd smpp.CommandID, seq uint32) *smpp.PDU {
	t.Helper()
	writePDU(t, nc, bindReq(cmd, seq, "esme", "pw"))
	return expectPDU(t, nc, cmd.Resp(), smpp.ESME_ROK, seq)
}

var bindTypes = []struct {
	cmd   smpp.CommandID
	state State
}{
	{smpp.BindTransmitter, BoundTX},
	{smpp.BindReceiver, BoundRX},
	{smpp.BindTransceiver, BoundTRX},
}

func TestServerBindSucceeds(t *testing.T) {
	for _, cfgID := range []string{"", "gwd"} {
		for _, bt := range bindTypes {
			t.Run(bt.cmd.String()+"/systemid="+cfgID, func(t *testing.T) {
				app := newRecApp(nil)
				ts := startServer(t, Config{SystemID: cfgID}, app)
				nc, s := ts.connect(t)
				if s.State() != Open {
					t.Fatalf("state before bind %v", s.State())
				}
				writePDU(t, nc, bindReq(bt.cmd, 42, "esme-1", "secret"))
				resp := expectPDU(t, nc, bt.cmd.Resp(), smpp.ESME_ROK, 42)
				want := cfgID
				if want == "" {
					want = "esme-1"
				}
				if string(resp.SystemID) != want {
					t.Fatalf("bind_resp system_id %q, want %q", resp.SystemID, want)
				}
				if v, ok := resp.TLVs.Get(smpp.TagSCInterfaceVersion); !ok || !bytes.Equal(v, []byte{0x34}) {
					t.Fatalf("sc_interface_version %x %v, want 34", v, ok)
				}
				if s.State() != bt.state {
					t.Fatalf("state %v, want %v", s.State(), bt.state)
				}
				if s.SystemID() != "esme-1" {
					t.Fatalf("SystemID() %q", s.SystemID())
				}
				b := next(t, app.binds, "Bind")
				if b.sysID != "esme-1" || b.hdr.Command != bt.cmd || b.hdr.Seq != 42 {
					t.Fatalf("App.Bind got %+v", b)
				}
				next(t, app.bounds, "Bound")
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				select {
				case <-s.bound:
				default:
					t.Fatalf("WaitBound would block: %v", s.WaitBound(ctx))
				}
			})
		}
	}
}

func TestServerBindRefused(t *testing.T) {
	for _, st := range []smpp.Status{smpp.ESME_RINVPASWD, smpp.ESME_RINVSYSID, smpp.ESME_RBINDFAIL} {
		t.Run(st.String(), func(t *testing.T) {
			app := newRecApp(func(req *smpp.PDU) smpp.Status {
				if string(req.Password) == "good" {
					return smpp.ESME_ROK
				}
				return st
			})
			ts := startServer(t, Config{}, app)
			nc, s := ts.connect(t)
			writePDU(t, nc, bindReq(smpp.BindTransceiver, 1, "esme", "bad"))
			resp := expectPDU(t, nc, smpp.BindTransceiverResp, st, 1)
			if resp.Length != smpp.HeaderLen {
				t.Fatalf("refused bind_resp has a body: command_length %d", resp.Length)
			}
			if s.State() != Open {
				t.Fatalf("state after refused bind %v, want OPEN", s.State())
			}
			// Still open: enquire_link works and a correct bind succeeds.
			roundTrip(t, nc, 2)
			writePDU(t, nc, bindReq(smpp.BindTransmitter, 3, "esme", "good"))
			expectPDU(t, nc, smpp.BindTransmitterResp, smpp.ESME_ROK, 3)
			if s.State() != BoundTX {
				t.Fatalf("state %v, want BOUND_TX", s.State())
			}
			next(t, app.binds, "first Bind")
			next(t, app.binds, "second Bind")
			next(t, app.bounds, "Bound")
			none(t, app.bounds, "second Bound")
			none(t, app.closes, "Closed")
		})
	}
}

func TestServerSecondBindAlreadyBound(t *testing.T) {
	for _, bt := range bindTypes {
		t.Run(bt.cmd.String(), func(t *testing.T) {
			app := newRecApp(nil)
			ts := startServer(t, Config{}, app)
			nc, s := ts.connect(t)
			bindRaw(t, nc, smpp.BindTransceiver, 1)
			writePDU(t, nc, bindReq(bt.cmd, 2, "other", "pw"))
			resp := expectPDU(t, nc, bt.cmd.Resp(), smpp.ESME_RALYBND, 2)
			if resp.Length != smpp.HeaderLen {
				t.Fatalf("ESME_RALYBND bind_resp command_length %d", resp.Length)
			}
			if s.State() != BoundTRX || s.SystemID() != "esme" {
				t.Fatalf("state %v system_id %q after the second bind", s.State(), s.SystemID())
			}
			next(t, app.binds, "Bind")
			none(t, app.binds, "Bind for the second bind")
			roundTrip(t, nc, 3)
		})
	}
}

func TestServerRequestsInWrongBindState(t *testing.T) {
	cases := []struct {
		name string
		bind smpp.CommandID // 0: not bound
		req  *smpp.PDU
		resp smpp.CommandID
	}{
		{"submit_sm before bind", 0, submitReq(5, "4477001", "x"), smpp.SubmitSMResp},
		{"submit_sm on bind_receiver", smpp.BindReceiver, submitReq(5, "4477001", "x"), smpp.SubmitSMResp},
		{"deliver_sm from ESME on bind_transceiver", smpp.BindTransceiver, deliverReq(5, "x"), smpp.DeliverSMResp},
		{"deliver_sm from ESME on bind_transmitter", smpp.BindTransmitter, deliverReq(5, "x"), smpp.DeliverSMResp},
		{"deliver_sm from ESME before bind", 0, deliverReq(5, "x"), smpp.DeliverSMResp},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			app := newRecApp(nil)
			ts := startServer(t, Config{}, app)
			nc, s := ts.connect(t)
			if tc.bind != 0 {
				bindRaw(t, nc, tc.bind, 1)
			}
			before := s.State()
			writePDU(t, nc, tc.req)
			expectPDU(t, nc, tc.resp, smpp.ESME_RINVBNDSTS, 5)
			roundTrip(t, nc, 6)
			none(t, app.requests, "App.Request")
			if s.State() != before {
				t.Fatalf("state %v, was %v", s.State(), before)
			}
		})
	}
	// The same submit_sm on a transmitter bind reaches the App.
	t.Run("submit_sm on bind_transmitter", func(t *testing.T) {
		app := newRecApp(nil)
		ts := startServer(t, Config{}, app)
		nc, _ := ts.connect(t)
		bindRaw(t, nc, smpp.BindTransmitter, 1)
		writePDU(t, nc, submitReq(5, "4477001", "hello"))
		resp := expectPDU(t, nc, smpp.SubmitSMResp, smpp.ESME_ROK, 5)
		if string(resp.MessageID) != "id-5" {
			t.Fatalf("message_id %q", resp.MessageID)
		}
		if r := next(t, app.requests, "Request"); r.sm != "hello" || r.hdr.Command != smpp.SubmitSM {
			t.Fatalf("App.Request got %+v", r)
		}
	})
}

func TestServerUnknownCommandGenericNack(t *testing.T) {
	for _, bound := range []bool{false, true} {
		t.Run("bound="+strconv.FormatBool(bound), func(t *testing.T) {
			app := newRecApp(nil)
			ts := startServer(t, Config{}, app)
			nc, s := ts.connect(t)
			if bound {
				bindRaw(t, nc, smpp.BindTransceiver, 1)
			}
			before := s.State()
			frame := smpp.AppendHeader(nil, smpp.HeaderLen+4, 0x00000099, smpp.ESME_ROK, 0x1234)
			frame = append(frame, 1, 2, 3, 4)
			writeFrame(t, nc, frame)
			nack := expectPDU(t, nc, smpp.GenericNack, smpp.ESME_RINVCMDID, 0x1234)
			if nack.Length != smpp.HeaderLen {
				t.Fatalf("generic_nack command_length %d", nack.Length)
			}
			if s.State() != before {
				t.Fatalf("state %v, was %v", s.State(), before)
			}
			// Still usable.
			roundTrip(t, nc, 2)
			if !bound {
				bindRaw(t, nc, smpp.BindTransceiver, 3)
			}
			writePDU(t, nc, submitReq(4, "4477001", "after"))
			expectPDU(t, nc, smpp.SubmitSMResp, smpp.ESME_ROK, 4)
			none(t, app.closes, "Closed")
		})
	}
}

func TestServerMalformedSubmit(t *testing.T) {
	app := newRecApp(nil)
	ts := startServer(t, Config{}, app)
	nc, s := ts.connect(t)
	bindRaw(t, nc, smpp.BindTransmitter, 1)

	// destination_addr without a NUL within 21 octets.
	writePDU(t, nc, submitReq(2, "4477001122334455667788", "x"))
	resp := expectPDU(t, nc, smpp.SubmitSMResp, smpp.ESME_RINVDSTADR, 2)
	if resp.Length != smpp.HeaderLen {
		t.Fatalf("error submit_sm_resp command_length %d", resp.Length)
	}

	// A body that ends inside destination_addr.
	body := []byte("\x00\x05\x00gwd\x00\x01\x01447700")
	frame := smpp.AppendHeader(nil, uint32(smpp.HeaderLen+len(body)), smpp.SubmitSM, smpp.ESME_ROK, 3)
	writeFrame(t, nc, append(frame, body...))
	expectPDU(t, nc, smpp.GenericNack, smpp.ESME_RINVCMDLEN, 3)

	// A body that ends after the addresses, before esm_class.
	body = []byte("\x00\x05\x00gwd\x00\x01\x014477001\x00")
	frame = smpp.AppendHeader(nil, uint32(smpp.HeaderLen+len(body)), smpp.SubmitSM, smpp.ESME_ROK, 4)
	writeFrame(t, nc, append(frame, body...))
	expectPDU(t, nc, smpp.GenericNack, smpp.ESME_RINVCMDLEN, 4)

	none(t, app.requests, "App.Request for a malformed submit_sm")
	writePDU(t, nc, submitReq(5, "4477001", "fine"))
	expectPDU(t, nc, smpp.SubmitSMResp, smpp.ESME_ROK, 5)
	if s.State() != BoundTX {
		t.Fatalf("state %v", s.State())
	}
}

func TestServerEnquireLinkAnswered(t *testing.T) {
	app := newRecApp(nil)
	ts := startServer(t, Config{}, app)
	t.Run("OPEN", func(t *testing.T) {
		nc, s := ts.connect(t)
		roundTrip(t, nc, 1)
		roundTrip(t, nc, 0x7FFFFFFF)
		if s.State() != Open {
			t.Fatalf("state %v", s.State())
		}
	})
	for _, bt := range bindTypes {
		t.Run(bt.state.String(), func(t *testing.T) {
			nc, s := ts.connect(t)
			bindRaw(t, nc, bt.cmd, 1)
			roundTrip(t, nc, 2)
			if s.State() != bt.state {
				t.Fatalf("state %v", s.State())
			}
		})
	}
	none(t, app.requests, "App.Request for enquire_link")
}

func TestServerPeerUnbind(t *testing.T) {
	for _, bt := range bindTypes {
		t.Run(bt.cmd.String(), func(t *testing.T) {
			app := newRecApp(nil)
			ts := startServer(t, Config{}, app)
			nc, s := ts.connect(t)
			bindRaw(t, nc, bt.cmd, 1)
			writeEmpty(t, nc, smpp.Unbind, smpp.ESME_ROK, 2)
			resp := expectPDU(t, nc, smpp.UnbindResp, smpp.ESME_ROK, 2)
			if resp.Length != smpp.HeaderLen {
				t.Fatalf("unbind_resp command_length %d", resp.Length)
			}
			expectCloseNoFrames(t, nc)
			if c := next(t, app.closes, "Closed"); !errors.Is(c.err, ErrUnbound) {
				t.Fatalf("Closed error %v, want ErrUnbound", c.err)
			}
			select {
			case <-s.Done():
			case <-time.After(wait):
				t.Fatal("Done not closed")
			}
			if s.State() != Closed || !errors.Is(s.Err(), ErrUnbound) {
				t.Fatalf("state %v err %v", s.State(), s.Err())
			}
		})
	}
}

func TestServerBindTimeout(t *testing.T) {
	const bindTimeout = 200 * time.Millisecond
	app := newRecApp(nil)
	ts := startServer(t, Config{BindTimeout: bindTimeout}, app)

	start := time.Now()
	nc, s := ts.connect(t)
	expectCloseNoFrames(t, nc)
	if el := time.Since(start); el < bindTimeout {
		t.Fatalf("closed after %v, before the bind timeout %v", el, bindTimeout)
	}
	if c := next(t, app.closes, "Closed"); !errors.Is(c.err, ErrBindTimeout) {
		t.Fatalf("Closed error %v, want ErrBindTimeout", c.err)
	}
	if !errors.Is(s.Err(), ErrBindTimeout) {
		t.Fatalf("Err() %v", s.Err())
	}

	// A session that binds in time is not closed by the bind timer.
	nc, s = ts.connect(t)
	bindRaw(t, nc, smpp.BindTransceiver, 1)
	time.Sleep(3 * bindTimeout)
	roundTrip(t, nc, 2)
	if s.State() != BoundTRX {
		t.Fatalf("state %v", s.State())
	}
	none(t, app.closes, "Closed for the bound session")
}

// readUntil reads frames until one with command cmd arrives, returning it
// and the headers of the frames before it.
func readUntil(t *testing.T, nc net.Conn, cmd smpp.CommandID) (*smpp.PDU, []smpp.Header) {
	t.Helper()
	var before []smpp.Header
	for i := 0; i < 1000; i++ {
		p := readPDU(t, nc)
		if p.Command == cmd {
			return p, before
		}
		before = append(before, p.Header)
	}
	t.Fatalf("no %v in 1000 frames", cmd)
	return nil, nil
}

// checkServerEnquireLinks checks that hs are enquire_links with sequence
// numbers 1, 2, ... and returns the next sequence number.
func checkServerEnquireLinks(t *testing.T, hs []smpp.Header) uint32 {
	t.Helper()
	seq := uint32(1)
	for _, h := range hs {
		if h.Command != smpp.EnquireLink || h.Status != smpp.ESME_ROK || h.Seq != seq || h.Length != smpp.HeaderLen {
			t.Fatalf("got %v %v seq %d len %d, want enquire_link seq %d", h.Command, h.Status, h.Seq, h.Length, seq)
		}
		seq++
	}
	return seq
}

func TestServerInactivity(t *testing.T) {
	t.Run("unbind answered", func(t *testing.T) {
		const inactivity = 500 * time.Millisecond
		app := newRecApp(nil)
		// enquire_links go out every 100 ms and stay unanswered; their
		// response timeout is far off, so inactivity ends the session.
		ts := startServer(t, Config{EnquireLinkInterval: 100 * time.Millisecond, InactivityTimeout: inactivity, ResponseTimeout: time.Minute}, app)
		nc, s := ts.connect(t)
		start := time.Now()
		bindRaw(t, nc, smpp.BindTransceiver, 1)
		unbind, elinks := readUntil(t, nc, smpp.Unbind)
		if el := time.Since(start); el < inactivity {
			t.Fatalf("unbind after %v, before the inactivity timeout %v", el, inactivity)
		}
		if len(elinks) == 0 {
			t.Fatal("no enquire_link before the unbind")
		}
		if want := checkServerEnquireLinks(t, elinks); unbind.Seq != want || unbind.Status != smpp.ESME_ROK || unbind.Length != smpp.HeaderLen {
			t.Fatalf("unbind %+v, want seq %d", unbind.Header, want)
		}
		if s.State() != Unbinding {
			t.Fatalf("state %v, want UNBINDING", s.State())
		}
		writeEmpty(t, nc, smpp.UnbindResp, smpp.ESME_ROK, unbind.Seq)
		expectCloseNoFrames(t, nc)
		if c := next(t, app.closes, "Closed"); !errors.Is(c.err, ErrInactive) {
			t.Fatalf("Closed error %v, want ErrInactive", c.err)
		}
	})
	t.Run("unbind unanswered", func(t *testing.T) {
		app := newRecApp(nil)
		ts := startServer(t, Config{EnquireLinkInterval: time.Minute, InactivityTimeout: 300 * time.Millisecond, ResponseTimeout: 300 * time.Millisecond}, app)
		nc, _ := ts.connect(t)
		start := time.Now()
		bindRaw(t, nc, smpp.BindTransmitter, 1)
		expectPDU(t, nc, smpp.Unbind, smpp.ESME_ROK, 1)
		expectCloseNoFrames(t, nc)
		// Inactivity, then the unbind's response timeout.
		if el := time.Since(start); el < 600*time.Millisecond {
			t.Fatalf("closed %v after the bind, before inactivity plus the unbind's response timeout", el)
		}
		if c := next(t, app.closes, "Closed"); !errors.Is(c.err, ErrInactive) {
			t.Fatalf("Closed error %v, want ErrInactive", c.err)
		}
	})
}

func TestServerEnquireLinkAnsweredKeepsSession(t *testing.T) {
	const inactivity = time.Second
	app := newRecApp(nil)
	ts := startServer(t, Config{EnquireLinkInterval: 100 * time.Millisecond, InactivityTimeout: inactivity, ResponseTimeout: time.Minute}, app)
	nc, s := ts.connect(t)
	bindRaw(t, nc, smpp.BindTransceiver, 1)
	end := time.Now().Add(2 * inactivity)
	want := uint32(1)
	for time.Now().Before(end) {
		frame, err := tryReadFrame(nc, end)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				break
			}
			t.Fatalf("read: %v", err)
		}
		h := smpp.ReadHeader(frame)
		if h.Command != smpp.EnquireLink || h.Seq != want {
			t.Fatalf("got %v seq %d, want enquire_link seq %d", h.Command, h.Seq, want)
		}
		want++
		writeEmpty(t, nc, smpp.EnquireLinkResp, smpp.ESME_ROK, h.Seq)
	}
	if want < 3 {
		t.Fatalf("only %d enquire_links in %v", want-1, 2*inactivity)
	}
	if s.State() != BoundTRX {
		t.Fatalf("state %v", s.State())
	}
	none(t, app.closes, "Closed")
}

func TestServerEnquireLinkTimeout(t *testing.T) {
	app := newRecApp(nil)
	ts := startServer(t, Config{EnquireLinkInterval: 100 * time.Millisecond, ResponseTimeout: 300 * time.Millisecond, InactivityTimeout: time.Minute}, app)
	nc, s := ts.connect(t)
	start := time.Now()
	bindRaw(t, nc, smpp.BindTransceiver, 1)
	got := expectClose(t, nc)
	// The enquire_link interval, then the enquire_link's response timeout.
	if el := time.Since(start); el < 400*time.Millisecond {
		t.Fatalf("closed %v after the bind, before the enquire_link interval plus the response timeout", el)
	}
	if len(got) == 0 {
		t.Fatal("no enquire_link before the close")
	}
	checkServerEnquireLinks(t, got)
	if c := next(t, app.closes, "Closed"); !errors.Is(c.err, ErrEnquireLinkTimeout) {
		t.Fatalf("Closed error %v, want ErrEnquireLinkTimeout", c.err)
	}
	if !errors.Is(s.Err(), ErrEnquireLinkTimeout) {
		t.Fatalf("Err() %v", s.Err())
	}
}

// ---- client side ----

// dialClient starts a raw SMSC, dials it with Dial and returns the session
// and the SMSC's end of the connection, before any bind_resp.
func dialClient(t *testing.T, cfg Config, app *recApp, typ smpp.CommandID) (*Session, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	d, err := netio.NewDialer(netio.Options{TickInterval: tick})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	s, err := Dial(context.Background(), d, ln.Addr().String(), cfg, app, BindRequest{
		Type: typ, SystemID: "esme", Password: "pw", SystemType: "bench", AddrTON: 1, AddrNPI: 1, AddressRange: "^44",
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(wait))
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	return s, nc
}

// expectBind reads the client's bind and checks its fields.
func expectBind(t *testing.T, nc net.Conn, typ smpp.CommandID) *smpp.PDU {
	t.Helper()
	p := expectPDU(t, nc, typ, smpp.ESME_ROK, 1)
	if string(p.SystemID) != "esme" || string(p.Password) != "pw" || string(p.SystemType) != "bench" ||
		p.InterfaceVersion != 0x34 || p.AddrRange.TON != 1 || p.AddrRange.NPI != 1 || string(p.AddrRange.Addr) != "^44" {
		t.Fatalf("bind fields %+v", p)
	}
	return p
}

func waitBound(t *testing.T, s *Session) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	err := s.WaitBound(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("WaitBound did not return")
	}
	return err
}

// bindClient dials and binds a client session to a raw SMSC.
func bindClient(t *testing.T, cfg Config, app *recApp, typ smpp.CommandID) (*Session, net.Conn) {
	t.Helper()
	s, nc := dialClient(t, cfg, app, typ)
	expectBind(t, nc, typ)
	writePDU(t, nc, &smpp.PDU{Header: smpp.Header{Command: typ.Resp(), Seq: 1}, SystemID: []byte("smsc")})
	if err := waitBound(t, s); err != nil {
		t.Fatalf("WaitBound: %v", err)
	}
	next(t, app.bounds, "Bound")
	return s, nc
}

func waitDone(t *testing.T, s *Session) {
	t.Helper()
	select {
	case <-s.Done():
	case <-time.After(wait):
		t.Fatal("session not done")
	}
}

func TestClientBindSucceeds(t *testing.T) {
	for _, bt := range bindTypes {
		t.Run(bt.cmd.String(), func(t *testing.T) {
			app := newRecApp(nil)
			s, nc := bindClient(t, Config{}, app, bt.cmd)
			if s.State() != bt.state {
				t.Fatalf("state %v, want %v", s.State(), bt.state)
			}
			// The client answers the SMSC's enquire_link.
			roundTrip(t, nc, 77)
		})
	}
}

func TestClientBindRefused(t *testing.T) {
	app := newRecApp(nil)
	s, nc := dialClient(t, Config{}, app, smpp.BindTransmitter)
	expectBind(t, nc, smpp.BindTransmitter)
	writeEmpty(t, nc, smpp.BindTransmitterResp, smpp.ESME_RINVPASWD, 1)
	err := waitBound(t, s)
	if err == nil {
		t.Fatal("WaitBound succeeded")
	}
	if st := smpp.StatusOf(err); st != smpp.ESME_RINVPASWD {
		t.Fatalf("WaitBound error %v has status %v, want ESME_RINVPASWD", err, st)
	}
	expectCloseNoFrames(t, nc)
	if c := next(t, app.closes, "Closed"); smpp.StatusOf(c.err) != smpp.ESME_RINVPASWD {
		t.Fatalf("Closed error %v", c.err)
	}
	none(t, app.bounds, "Bound")
	if s.State() != Closed {
		t.Fatalf("state %v", s.State())
	}
}

func TestClientBindTimeout(t *testing.T) {
	const bindTimeout = 200 * time.Millisecond
	app := newRecApp(nil)
	start := time.Now()
	s, nc := dialClient(t, Config{BindTimeout: bindTimeout}, app, smpp.BindTransceiver)
	expectBind(t, nc, smpp.BindTransceiver)
	err := waitBound(t, s)
	if !errors.Is(err, ErrBindTimeout) {
		t.Fatalf("WaitBound error %v, want ErrBindTimeout", err)
	}
	if el := time.Since(start); el < bindTimeout {
		t.Fatalf("bind given up after %v, before the bind timeout", el)
	}
	expectCloseNoFrames(t, nc)
	if c := next(t, app.closes, "Closed"); !errors.Is(c.err, ErrBindTimeout) {
		t.Fatalf("Closed error %v", c.err)
	}
	none(t, app.noResps, "NoResponse for the bind")
	none(t, app.bounds, "Bound")
}

func TestClientSendNotBound(t *testing.T) {
	app := newRecApp(nil)
	s, nc := dialClient(t, Config{}, app, smpp.BindTransmitter)
	if _, err := s.Send(submitReq(0, "4477001", "early"), nil); !errors.Is(err, ErrNotBound) {
		t.Fatalf("Send before bind_resp: %v, want ErrNotBound", err)
	}
	// The bind is the first thing the SMSC sees.
	expectBind(t, nc, smpp.BindTransmitter)
	writePDU(t, nc, &smpp.PDU{Header: smpp.Header{Command: smpp.BindTransmitterResp, Seq: 1}, SystemID: []byte("smsc")})
	if err := waitBound(t, s); err != nil {
		t.Fatal(err)
	}
	seq, err := s.Send(submitReq(0, "4477001", "now"), nil)
	if err != nil || seq != 2 {
		t.Fatalf("Send after bind: seq %d %v", seq, err)
	}
	expectPDU(t, nc, smpp.SubmitSM, smpp.ESME_ROK, 2)
}

func TestClientWindowFull(t *testing.T) {
	const resTimeout = 300 * time.Millisecond
	app := newRecApp(nil)
	s, nc := bindClient(t, Config{Window: 3, ResponseTimeout: resTimeout}, app, smpp.BindTransmitter)
	start := time.Now()
	for i := 0; i < 3; i++ {
		seq, err := s.Send(submitReq(0, "4477001", "m"), i)
		if err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
		if seq != uint32(2+i) {
			t.Fatalf("Send %d got seq %d, want %d", i, seq, 2+i)
		}
	}
	if _, err := s.Send(submitReq(0, "4477001", "m"), 3); !errors.Is(err, ErrWindowFull) {
		t.Fatalf("4th Send: %v, want ErrWindowFull", err)
	}
	if n := s.Outstanding(); n != 3 {
		t.Fatalf("Outstanding %d", n)
	}
	for i := 0; i < 3; i++ {
		p := expectPDU(t, nc, smpp.SubmitSM, smpp.ESME_ROK, uint32(2+i))
		if string(p.Dest.Addr) != "4477001" {
			t.Fatalf("destination_addr %q", p.Dest.Addr)
		}
	}
	got := map[uint32]any{}
	for i := 0; i < 3; i++ {
		r := next(t, app.noResps, "NoResponse")
		if r.cmd != smpp.SubmitSM || !errors.Is(r.err, ErrResponseTimeout) {
			t.Fatalf("NoResponse %+v", r)
		}
		got[r.seq] = r.ctx
	}
	if el := time.Since(start); el < resTimeout {
		t.Fatalf("NoResponse after %v, before the response timeout", el)
	}
	for i := 0; i < 3; i++ {
		if got[uint32(2+i)] != i {
			t.Fatalf("NoResponse seq→ctx %v", got)
		}
	}
	if n := s.Outstanding(); n != 0 {
		t.Fatalf("Outstanding %d after the timeouts", n)
	}
	// The window is free again; the 4th message goes out as seq 5.
	seq, err := s.Send(submitReq(0, "4477001", "again"), "again")
	if err != nil || seq != 5 {
		t.Fatalf("Send after the timeouts: seq %d, %v", seq, err)
	}
	expectPDU(t, nc, smpp.SubmitSM, smpp.ESME_ROK, 5)
	writePDU(t, nc, &smpp.PDU{Header: smpp.Header{Command: smpp.SubmitSMResp, Seq: 5}, MessageID: []byte("m5")})
	if r := next(t, app.responses, "Response"); r.ctx != "again" || r.msgID != "m5" {
		t.Fatalf("Response %+v", r)
	}
	// A late response to a timed-out request is dropped.
	writePDU(t, nc, &smpp.PDU{Header: smpp.Header{Command: smpp.SubmitSMResp, Seq: 2}, MessageID: []byte("late")})
	roundTrip(t, nc, 100)
	none(t, app.responses, "Response for a timed-out request")
	none(t, app.closes, "Closed")
	if s.State() != BoundTX {
		t.Fatalf("state %v", s.State())
	}
}

func TestClientResponsesMatchedBySeq(t *testing.T) {
	app := newRecApp(nil)
	s, nc := bindClient(t, Config{}, app, smpp.BindTransceiver)
	type myCtx struct{ n int }
	ctxs := map[uint32]*myCtx{}
	for i := 0; i < 5; i++ {
		c := &myCtx{i}
		seq, err := s.Send(submitReq(0, "4477001", "m"+strconv.Itoa(i)), c)
		if err != nil {
			t.Fatal(err)
		}
		ctxs[seq] = c
	}
	var seqs []uint32
	for i := 0; i < 5; i++ {
		p := readPDU(t, nc)
		if p.Command != smpp.SubmitSM || string(p.ShortMessage) != "m"+strconv.Itoa(i) || ctxs[p.Seq] == nil {
			t.Fatalf("submit %d: %v seq %d %q", i, p.Command, p.Seq, p.ShortMessage)
		}
		seqs = append(seqs, p.Seq)
	}
	var out []byte
	for i := len(seqs) - 1; i >= 0; i-- {
		r := smpp.PDU{Header: smpp.Header{Command: smpp.SubmitSMResp, Seq: seqs[i]}, MessageID: []byte("msg-" + strconv.Itoa(int(seqs[i])))}
		out = r.AppendTo(out)
	}
	writeFrame(t, nc, out) // all five in one write
	for i := len(seqs) - 1; i >= 0; i-- {
		r := next(t, app.responses, "Response")
		if r.hdr.Command != smpp.SubmitSMResp || r.hdr.Status != smpp.ESME_ROK || r.hdr.Seq != seqs[i] {
			t.Fatalf("Response header %+v, want seq %d", r.hdr, seqs[i])
		}
		if r.msgID != "msg-"+strconv.Itoa(int(seqs[i])) {
			t.Fatalf("Response message_id %q for seq %d", r.msgID, seqs[i])
		}
		if c, ok := r.ctx.(*myCtx); !ok || c != ctxs[seqs[i]] {
			t.Fatalf("Response ctx %v for seq %d, want %v", r.ctx, seqs[i], ctxs[seqs[i]])
		}
	}
	if n := s.Outstanding(); n != 0 {
		t.Fatalf("Outstanding %d", n)
	}
	none(t, app.noResps, "NoResponse")
}

func TestClientGenericNackResponse(t *testing.T) {
	app := newRecApp(nil)
	s, nc := bindClient(t, Config{}, app, smpp.BindTransmitter)
	seq, err := s.Send(submitReq(0, "4477001", "x"), "nacked")
	if err != nil {
		t.Fatal(err)
	}
	expectPDU(t, nc, smpp.SubmitSM, smpp.ESME_ROK, seq)
	writeEmpty(t, nc, smpp.GenericNack, smpp.ESME_RTHROTTLED, seq)
	r := next(t, app.responses, "Response")
	if r.hdr.Command != smpp.GenericNack || r.hdr.Status != smpp.ESME_RTHROTTLED || r.hdr.Seq != seq || r.ctx != "nacked" {
		t.Fatalf("Response %+v ctx %v", r.hdr, r.ctx)
	}
	if n := s.Outstanding(); n != 0 {
		t.Fatalf("Outstanding %d", n)
	}
	// The client does not answer a generic_nack, and stays bound.
	roundTrip(t, nc, 50)
	if s.State() != BoundTX {
		t.Fatalf("state %v", s.State())
	}
}

func TestClientCloseWithOutstanding(t *testing.T) {
	app := newRecApp(nil)
	s, nc := bindClient(t, Config{}, app, smpp.BindTransceiver)
	want := map[uint32]any{}
	for i := 0; i < 3; i++ {
		seq, err := s.Send(submitReq(0, "4477001", "x"), "c"+strconv.Itoa(i))
		if err != nil {
			t.Fatal(err)
		}
		want[seq] = "c" + strconv.Itoa(i)
	}
	for i := 0; i < 3; i++ {
		readPDU(t, nc)
	}
	_ = nc.Close()
	c := next(t, app.closes, "Closed")
	if !errors.Is(c.err, netio.ErrPeerClosed) {
		t.Fatalf("Closed error %v, want netio.ErrPeerClosed", c.err)
	}
	for i := 0; i < 3; i++ {
		r := next(t, app.noResps, "NoResponse")
		if r.cmd != smpp.SubmitSM || r.err != c.err || want[r.seq] != r.ctx {
			t.Fatalf("NoResponse %+v, Closed error %v", r, c.err)
		}
		delete(want, r.seq)
	}
	waitDone(t, s)
	if k := app.kinds(); len(k) < 4 || k[len(k)-1] != "closed" || k[len(k)-2] != "noresponse" || k[len(k)-4] != "noresponse" {
		t.Fatalf("callback order %v, want the NoResponses before Closed", k)
	}
	if s.Err() != c.err || s.State() != Closed {
		t.Fatalf("Err %v state %v", s.Err(), s.State())
	}
	if _, err := s.Send(submitReq(0, "1", "x"), nil); err == nil {
		t.Fatal("Send on a closed session succeeded")
	}
}

func TestClientUnbind(t *testing.T) {
	app := newRecApp(nil)
	s, nc := bindClient(t, Config{}, app, smpp.BindTransmitter)
	for want := uint32(2); want <= 3; want++ {
		seq, err := s.Send(submitReq(0, "4477001", "x"), want)
		if err != nil || seq != want {
			t.Fatalf("Send: seq %d %v, want seq %d", seq, err, want)
		}
		expectPDU(t, nc, smpp.SubmitSM, smpp.ESME_ROK, want)
		writePDU(t, nc, &smpp.PDU{Header: smpp.Header{Command: smpp.SubmitSMResp, Seq: want}, MessageID: []byte("m")})
		next(t, app.responses, "Response")
	}
	s.Unbind()
	p := expectPDU(t, nc, smpp.Unbind, smpp.ESME_ROK, 4)
	if p.Length != smpp.HeaderLen {
		t.Fatalf("unbind command_length %d", p.Length)
	}
	if s.State() != Unbinding {
		t.Fatalf("state %v, want UNBINDING", s.State())
	}
	if _, err := s.Send(submitReq(0, "4477001", "x"), nil); !errors.Is(err, ErrNotBound) {
		t.Fatalf("Send while unbinding: %v", err)
	}
	writeEmpty(t, nc, smpp.UnbindResp, smpp.ESME_ROK, 4)
	waitDone(t, s)
	expectCloseNoFrames(t, nc)
	if !errors.Is(s.Err(), ErrUnbound) {
		t.Fatalf("Err %v", s.Err())
	}
	if c := next(t, app.closes, "Closed"); !errors.Is(c.err, ErrUnbound) {
		t.Fatalf("Closed error %v", c.err)
	}
	none(t, app.noResps, "NoResponse")
}

func TestClientServerUnbind(t *testing.T) {
	app := newRecApp(nil)
	s, nc := bindClient(t, Config{}, app, smpp.BindReceiver)
	writeEmpty(t, nc, smpp.Unbind, smpp.ESME_ROK, 9)
	expectPDU(t, nc, smpp.UnbindResp, smpp.ESME_ROK, 9)
	expectCloseNoFrames(t, nc)
	waitDone(t, s)
	if c := next(t, app.closes, "Closed"); !errors.Is(c.err, ErrUnbound) {
		t.Fatalf("Closed error %v", c.err)
	}
}

func TestClientDeliverSM(t *testing.T) {
	t.Run("bind_transmitter", func(t *testing.T) {
		app := newRecApp(nil)
		_, nc := bindClient(t, Config{}, app, smpp.BindTransmitter)
		writePDU(t, nc, deliverReq(9, "mo"))
		expectPDU(t, nc, smpp.DeliverSMResp, smpp.ESME_RINVBNDSTS, 9)
		roundTrip(t, nc, 10)
		none(t, app.requests, "App.Request")
	})
	for _, typ := range []smpp.CommandID{smpp.BindTransceiver, smpp.BindReceiver} {
		t.Run(typ.String(), func(t *testing.T) {
			app := newRecApp(nil)
			_, nc := bindClient(t, Config{}, app, typ)
			writePDU(t, nc, deliverReq(9, "mo"))
			expectPDU(t, nc, smpp.DeliverSMResp, smpp.ESME_ROK, 9)
			r := next(t, app.requests, "Request")
			if r.hdr.Command != smpp.DeliverSM || r.hdr.Seq != 9 || r.sm != "mo" {
				t.Fatalf("App.Request %+v", r)
			}
		})
	}
	t.Run("submit_sm from the SMSC", func(t *testing.T) {
		app := newRecApp(nil)
		_, nc := bindClient(t, Config{}, app, smpp.BindTransceiver)
		writePDU(t, nc, submitReq(9, "4477001", "x"))
		expectPDU(t, nc, smpp.SubmitSMResp, smpp.ESME_RINVBNDSTS, 9)
		roundTrip(t, nc, 10)
		none(t, app.requests, "App.Request")
	})
}

// A malformed request whose command has no response (alert_notification)
// is dropped: no made-up "response" command_id goes back.
func TestClientMalformedAlertNotification(t *testing.T) {
	app := newRecApp(nil)
	_, nc := bindClient(t, Config{}, app, smpp.BindReceiver)
	body := []byte("\x01\x01447700\x00\x01\x01")
	body = append(body, bytes.Repeat([]byte("9"), 70)...) // esme_addr without a NUL within 65 octets
	body = append(body, 0)
	frame := smpp.AppendHeader(nil, uint32(smpp.HeaderLen+len(body)), smpp.AlertNotification, smpp.ESME_ROK, 11)
	writeFrame(t, nc, append(frame, body...))
	roundTrip(t, nc, 12) // the next frame is the enquire_link_resp
	none(t, app.requests, "App.Request")
}

// Sends racing the peer's close: each request is reported once, either by
// Send's error or by NoResponse, never by both, and none is lost.
func TestClientSendRacingCloseReportsOnce(t *testing.T) {
	const goroutines, perGoroutine = 8, 4000
	for round := 0; round < 10; round++ {
		app := newRecApp(nil)
		app.noResps = make(chan rec, goroutines*perGoroutine)
		s, nc := bindClient(t, Config{Window: goroutines * perGoroutine}, app, smpp.BindTransceiver)
		var mu sync.Mutex
		failed := map[int]bool{}
		sent := 0
		var wg sync.WaitGroup
		for g := 0; g < goroutines; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; i < perGoroutine; i++ {
					id := g*perGoroutine + i
					_, err := s.Send(submitReq(0, "4477001", "x"), id)
					mu.Lock()
					if err != nil {
						failed[id] = true
					} else {
						sent++
					}
					mu.Unlock()
					if err != nil {
						return
					}
				}
			}(g)
		}
		for i := 0; i < 50; i++ {
			readPDU(t, nc)
		}
		_ = nc.Close()
		wg.Wait()
		next(t, app.closes, "Closed")
		close(app.noResps)
		reported := 0
		for r := range app.noResps {
			reported++
			if failed[r.ctx.(int)] {
				t.Fatalf("round %d: request %v failed in Send and was reported by NoResponse too (%v)", round, r.ctx, r.err)
			}
		}
		if reported != sent {
			t.Fatalf("round %d: %d requests sent, %d reported by NoResponse", round, sent, reported)
		}
	}
}
