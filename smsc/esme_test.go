package smsc

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwd-project/gwd/engine/session"
	"github.com/gwd-project/gwd/netio"
	"github.com/gwd-project/gwd/smpp"
)

// Helpers shared by the simulator's tests: an ESME built on our session
// layer that records everything it sees, a raw SMPP client for what the
// session layer handles itself (enquire_link), and HTTP helpers.

// waitLimit bounds every wait in these tests.
const waitLimit = 5 * time.Second

// waitUntil polls cond until it holds or waitLimit passes.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", waitLimit, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// startSim starts a simulator on loopback port 0, closed when the test ends.
func startSim(t testing.TB, cfg Config) *Sim {
	t.Helper()
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	sim, err := Start(cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := sim.Close(); err != nil {
			t.Errorf("sim.Close: %v", err)
		}
	})
	return sim
}

// newDialer starts client event loops, stopped when the test ends (after
// the sessions dialled on them, which register their cleanup later).
func newDialer(t testing.TB) *netio.Dialer {
	t.Helper()
	d, err := netio.NewDialer(netio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// event is a PDU the ESME received, owned, with the Send ctx of the
// request it answers (responses) and when it arrived.
type event struct {
	p   smpp.PDU
	ctx any
	at  time.Time
}

type noResp struct {
	cmd    smpp.CommandID
	ctx    any
	reason error
}

// esme is a session.App that records responses, deliver_sm (answered with
// ackStatus) and requests left without response.
type esme struct {
	session.BaseApp
	mu        sync.Mutex
	resps     []event
	delivers  []event
	noResps   []noResp
	ackStatus smpp.Status
}

func own(p *smpp.PDU) smpp.PDU {
	c := *p
	c.Own()
	return c
}

func (e *esme) Response(s *session.Session, resp *smpp.PDU, ctx any) {
	ev := event{p: own(resp), ctx: ctx, at: time.Now()}
	e.mu.Lock()
	e.resps = append(e.resps, ev)
	e.mu.Unlock()
}

func (e *esme) NoResponse(s *session.Session, cmd smpp.CommandID, seq uint32, ctx any, reason error) {
	e.mu.Lock()
	e.noResps = append(e.noResps, noResp{cmd, ctx, reason})
	e.mu.Unlock()
}

func (e *esme) Request(s *session.Session, req *smpp.PDU) {
	if req.Command != smpp.DeliverSM {
		_ = s.Respond(req.Command, req.Seq, smpp.ESME_RINVCMDID, nil)
		return
	}
	ev := event{p: own(req), at: time.Now()}
	e.mu.Lock()
	e.delivers = append(e.delivers, ev)
	st := e.ackStatus
	e.mu.Unlock()
	_ = s.Respond(req.Command, req.Seq, st, nil)
}

func (e *esme) responses() []event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]event(nil), e.resps...)
}

func (e *esme) delivered() []event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]event(nil), e.delivers...)
}

func (e *esme) unanswered() []noResp {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]noResp(nil), e.noResps...)
}

func (e *esme) counts() (resps, delivers, noResps int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.resps), len(e.delivers), len(e.noResps)
}

// client is one bound ESME session.
type client struct {
	*session.Session
	app *esme
}

var bindTypes = []struct {
	name string
	cmd  smpp.CommandID
	st   session.State
}{
	{"transmitter", smpp.BindTransmitter, session.BoundTX},
	{"receiver", smpp.BindReceiver, session.BoundRX},
	{"transceiver", smpp.BindTransceiver, session.BoundTRX},
}

// dial connects and binds; it returns the session whether or not the bind
// succeeds, and the WaitBound error. The session is unbound (or closed)
// when the test ends.
func dial(t testing.TB, d *netio.Dialer, sim *Sim, cfg session.Config, typ smpp.CommandID, systemID, password string) (*client, error) {
	t.Helper()
	app := &esme{}
	s, err := session.Dial(context.Background(), d, sim.Addr().String(), cfg, app,
		session.BindRequest{Type: typ, SystemID: systemID, Password: password})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() {
		s.Unbind()
		select {
		case <-s.Done():
		case <-time.After(waitLimit):
			s.Close()
			<-s.Done()
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	return &client{Session: s, app: app}, s.WaitBound(ctx)
}

// mustBind is dial that must succeed.
func mustBind(t testing.TB, d *netio.Dialer, sim *Sim, typ smpp.CommandID, systemID string) *client {
	t.Helper()
	c, err := dial(t, d, sim, session.Config{Window: 1000}, typ, systemID, "pw")
	if err != nil {
		t.Fatalf("bind %s as %v: %v", systemID, typ, err)
	}
	return c
}

// submitPDU builds a submit_sm from src to dst.
func submitPDU(src, dst smpp.Address, rd byte, text string) smpp.PDU {
	p := smpp.PDU{Header: smpp.Header{Command: smpp.SubmitSM}}
	p.Source, p.Dest = src, dst
	p.RegisteredDelivery = rd
	p.ShortMessage = []byte(text)
	return p
}

var (
	testSrc = smpp.Address{TON: 5, NPI: 0, Addr: []byte("ACME")}
	testDst = smpp.Address{TON: 1, NPI: 1, Addr: []byte("33612345678")}
)

// send sends a copy of p with ctx.
func (c *client) send(t testing.TB, p smpp.PDU, ctx any) {
	t.Helper()
	if _, err := c.Send(&p, ctx); err != nil {
		t.Fatalf("Send %v: %v", p.Command, err)
	}
}

// submitN sends n submit_sm and waits for their n responses (ctx i).
func (c *client) submitN(t testing.TB, n int, rd byte, text string) []event {
	t.Helper()
	before := len(c.app.responses())
	for i := 0; i < n; i++ {
		c.send(t, submitPDU(testSrc, testDst, rd, text), i)
	}
	waitUntil(t, "submit_sm responses", func() bool { r, _, _ := c.app.counts(); return r >= before+n })
	return c.app.responses()[before:]
}

// waitDelivers waits until the ESME has received at least n deliver_sm.
func (c *client) waitDelivers(t testing.TB, n int) []event {
	t.Helper()
	waitUntil(t, "deliver_sm", func() bool { _, d, _ := c.app.counts(); return d >= n })
	return c.app.delivered()
}

// rawConn is a bare TCP SMPP client, for exchanges our session layer
// would answer or swallow itself.
type rawConn struct {
	t   testing.TB
	nc  net.Conn
	seq uint32
}

func dialRaw(t testing.TB, sim *Sim) *rawConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", sim.Addr().String(), waitLimit)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	return &rawConn{t: t, nc: nc}
}

// request sends p with the next sequence number and returns that number.
func (r *rawConn) request(p smpp.PDU) uint32 {
	r.t.Helper()
	r.seq++
	p.Seq = r.seq
	_ = r.nc.SetWriteDeadline(time.Now().Add(waitLimit))
	if _, err := r.nc.Write(p.AppendTo(nil)); err != nil {
		r.t.Fatalf("write %v: %v", p.Command, err)
	}
	return p.Seq
}

// read returns the next PDU from the simulator.
func (r *rawConn) read() smpp.PDU {
	r.t.Helper()
	_ = r.nc.SetReadDeadline(time.Now().Add(waitLimit))
	var hdr [4]byte
	if _, err := io.ReadFull(r.nc, hdr[:]); err != nil {
		r.t.Fatalf("read: %v", err)
	}
	frame := make([]byte, binary.BigEndian.Uint32(hdr[:]))
	copy(frame, hdr[:])
	if _, err := io.ReadFull(r.nc, frame[4:]); err != nil {
		r.t.Fatalf("read: %v", err)
	}
	var p smpp.PDU
	if err := p.Decode(frame); err != nil {
		r.t.Fatalf("decode %x: %v", frame, err)
	}
	return p
}

// call sends p and returns its response, skipping nothing: the simulator
// must send nothing else meanwhile.
func (r *rawConn) call(p smpp.PDU) smpp.PDU {
	r.t.Helper()
	seq := r.request(p)
	resp := r.read()
	if resp.Command != p.Command.Resp() || resp.Seq != seq {
		r.t.Fatalf("%v seq %d: got %v seq %d status %v", p.Command, seq, resp.Command, resp.Seq, resp.Status)
	}
	return resp
}

// httpDo sends a request to the simulator's HTTP server and decodes the
// JSON answer into a generic map.
func httpDo(t testing.TB, sim *Sim, method, path string, form url.Values) (int, map[string]any) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, "http://"+sim.StatsAddr().String()+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	cl := &http.Client{Timeout: waitLimit}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/json") {
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s %s: body %q is not a JSON object: %v", method, path, b, err)
		}
	}
	return resp.StatusCode, m
}

// jsonNum reads the number at path in a decoded JSON object, failing the
// test when a key is missing.
func jsonNum(t testing.TB, m map[string]any, path ...string) int64 {
	t.Helper()
	var v any = m
	for _, k := range path {
		o, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("JSON %v: %q is not inside an object", path, k)
		}
		if v, ok = o[k]; !ok {
			t.Fatalf("JSON has no %v (missing %q)", path, k)
		}
	}
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("JSON %v = %v, not a number", path, v)
	}
	return int64(f)
}

// waitDone waits for a session to end and returns why.
func waitDone(t testing.TB, s *session.Session) error {
	t.Helper()
	select {
	case <-s.Done():
		return s.Err()
	case <-time.After(waitLimit):
		t.Fatalf("session still open after %v", waitLimit)
		return nil
	}
}
