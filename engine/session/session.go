// Package session holds the SMPP session primitives shared by the server
// side (ESMEs binding to gwd or smppsim) and the client side (connectors,
// bench): the bind state machine, sequence numbers, the window of
// outstanding requests with its response timeout, enquire_link sending and
// answering, the inactivity and bind timeouts, the unbind handshake, and
// generic_nack or an error response, with its command_status, for every
// request that cannot be served.
//
// A Session is a netio.Handler. The application above it implements App and
// answers the requests the session hands it with Respond (at once, or later
// from another goroutine, e.g. once a store write is durable).
package session

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gwd-project/gwd/netio"
	"github.com/gwd-project/gwd/smpp"
)

// Role says which end of the SMPP relationship a session plays.
type Role uint8

const (
	// Server is the SMSC side: it accepts binds.
	Server Role = iota
	// Client is the ESME side: it binds.
	Client
)

// State is a session's bind state.
type State uint8

// Session states (SMPP v3.4 section 2.2).
const (
	Open State = iota
	Binding
	BoundTX
	BoundRX
	BoundTRX
	Unbinding
	Closed
)

var stateNames = [...]string{"OPEN", "BINDING", "BOUND_TX", "BOUND_RX", "BOUND_TRX", "UNBINDING", "CLOSED"}

// String returns the state as Jasmin's smppccm -l shows session states.
func (st State) String() string { return stateNames[st] }

// Bound reports whether st is one of the bound states.
func (st State) Bound() bool { return st == BoundTX || st == BoundRX || st == BoundTRX }

// CanTransmit reports whether an ESME bound in st may submit.
func (st State) CanTransmit() bool { return st == BoundTX || st == BoundTRX }

// CanReceive reports whether an ESME bound in st may receive deliver_sm.
func (st State) CanReceive() bool { return st == BoundRX || st == BoundTRX }

func boundState(bind smpp.CommandID) State {
	switch bind &^ 0x80000000 {
	case smpp.BindTransmitter:
		return BoundTX
	case smpp.BindReceiver:
		return BoundRX
	}
	return BoundTRX
}

// Errors a session reports.
var (
	ErrNotBound           = errors.New("session: not bound")
	ErrWindowFull         = errors.New("session: window full")
	ErrResponseTimeout    = errors.New("session: no response within the response timeout")
	ErrInactive           = errors.New("session: inactivity timeout")
	ErrEnquireLinkTimeout = errors.New("session: enquire_link unanswered")
	ErrUnbound            = errors.New("session: unbound")
)

// ErrBindTimeout closes a connection not bound within the bind timeout
// (server side), or whose bind went unanswered (client side). Its
// Timeout() is true: a listener counts it as a client cut for being too
// slow (netio.IsTimeout).
var ErrBindTimeout error = timeoutError("session: not bound within the bind timeout")

// timeoutError is an error whose Timeout() is true.
type timeoutError string

func (e timeoutError) Error() string { return string(e) }

// Timeout is true.
func (timeoutError) Timeout() bool { return true }

// App is the application above a session. Its methods are called one at a
// time per session, never with the session's lock held, so they may call
// Send and Respond. They must not block.
type App interface {
	// Bind authenticates a bind request (server role) and returns the
	// bind_*_resp status. ESME_ROK binds the session. BindPending
	// answers later: the app calls FinishBind when it knows.
	Bind(s *Session, req *smpp.PDU) smpp.Status
	// Request handles a request allowed in the current state; the app
	// answers it with Respond, now or later. req is valid only during
	// the call.
	Request(s *Session, req *smpp.PDU)
	// Response delivers the response (or generic_nack) to a request sent
	// with Send, with the ctx given to Send.
	Response(s *Session, resp *smpp.PDU, ctx any)
	// NoResponse reports a request that will get no response: its
	// response timeout passed (ErrResponseTimeout) or the session closed
	// (the close error).
	NoResponse(s *Session, cmd smpp.CommandID, seq uint32, ctx any, reason error)
	// Bound reports that the session is bound (either role).
	Bound(s *Session)
	// Closed reports the end of the session, after every NoResponse.
	Closed(s *Session, err error)
}

// BindPending, returned by App.Bind, leaves the bind unanswered until the
// app calls FinishBind (a check that must not run on the event loop, such
// as a password KDF). Meanwhile another bind is ESME_RALYBND, other
// requests ESME_RINVBNDSTS, and the bind timeout still runs. It is not an
// SMPP status and never goes on the wire.
const BindPending smpp.Status = 0xFFFFFFFF

// ErrNoBindPending is FinishBind's answer when the session has no
// deferred bind (already answered, or closed).
var ErrNoBindPending = errors.New("session: no bind waiting for an answer")

// BaseApp implements App with methods that do nothing (Bind refuses);
// embed it to implement only what you need.
type BaseApp struct{}

// Bind refuses every bind.
func (BaseApp) Bind(*Session, *smpp.PDU) smpp.Status { return smpp.ESME_RBINDFAIL }

// Request answers every request with ESME_RSYSERR so that none is left
// unanswered.
func (BaseApp) Request(s *Session, req *smpp.PDU) {
	_ = s.Respond(req.Command, req.Seq, smpp.ESME_RSYSERR, nil)
}

// Response does nothing.
func (BaseApp) Response(*Session, *smpp.PDU, any) {}

// NoResponse does nothing.
func (BaseApp) NoResponse(*Session, smpp.CommandID, uint32, any, error) {}

// Bound does nothing.
func (BaseApp) Bound(*Session) {}

// Closed does nothing.
func (BaseApp) Closed(*Session, error) {}

type pending struct {
	cmd      smpp.CommandID
	deadline int64
	ctx      any
	internal bool // sent by the session itself (bind, enquire_link, unbind)
}

// waitingBind is a bind request whose answer App.Bind deferred.
type waitingBind struct {
	cmd      smpp.CommandID
	seq      uint32
	systemID string
}

type expired struct {
	seq uint32
	pending
}

// Session is one SMPP session over one connection.
type Session struct {
	cfg  Config
	app  App
	role Role

	mu        sync.Mutex
	conn      *netio.Conn
	state     State
	systemID  string
	seq       uint32
	pending   map[uint32]pending
	openedAt  int64
	lastRecv  int64
	lastElink int64
	closeErr  error
	bindWait  *waitingBind // a bind answered later (BindPending)
	bound     chan struct{}
	done      chan struct{}

	// inflight counts the peer's requests handed to the app and not yet
	// answered (only with an InboundWindow).
	inflight atomic.Int32

	// rx and scratch are used only inside netio's serialised callbacks.
	rx      smpp.PDU
	scratch []expired

	// User is free for the application's use.
	User any
}

func newSession(cfg Config, app App, role Role) *Session {
	now := time.Now().UnixNano()
	return &Session{
		cfg: cfg.withDefaults(), app: app, role: role,
		pending:  make(map[uint32]pending),
		openedAt: now, lastRecv: now,
		bound: make(chan struct{}), done: make(chan struct{}),
	}
}

// NewServerHandler returns the netio handler factory for a server that
// accepts binds with app.
func NewServerHandler(cfg Config, app App) func(*netio.Conn) netio.Handler {
	return func(c *netio.Conn) netio.Handler {
		s := newSession(cfg, app, Server)
		s.conn = c
		c.User = s
		return s
	}
}

// BindRequest is what a client sends to bind.
type BindRequest struct {
	Type         smpp.CommandID // BindTransmitter, BindReceiver or BindTransceiver
	SystemID     string
	Password     string
	SystemType   string
	AddrTON      byte
	AddrNPI      byte
	AddressRange string
}

// Dial connects to addr and sends the bind; WaitBound tells how it went.
func Dial(ctx context.Context, d *netio.Dialer, addr string, cfg Config, app App, bind BindRequest) (*Session, error) {
	return DialTLS(ctx, d, addr, nil, cfg, app, bind)
}

// DialTLS is Dial over TLS with tlsCfg (nil: the dialer's own setting).
func DialTLS(ctx context.Context, d *netio.Dialer, addr string, tlsCfg *tls.Config, cfg Config, app App, bind BindRequest) (*Session, error) {
	s := newSession(cfg, app, Client)
	s.mu.Lock() // hold off callbacks' use of conn until it is set
	var c *netio.Conn
	var err error
	if tlsCfg != nil {
		c, err = d.DialTLS(ctx, addr, tlsCfg, s)
	} else {
		c, err = d.Dial(ctx, addr, s)
	}
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	s.conn = c
	c.User = s
	c.SetPDUReadTimeout(s.cfg.PDUReadTimeout)
	s.state = Binding
	s.systemID = bind.SystemID
	s.mu.Unlock()
	req := smpp.PDU{Header: smpp.Header{Command: bind.Type}}
	req.SystemID = []byte(bind.SystemID)
	req.Password = []byte(bind.Password)
	req.SystemType = []byte(bind.SystemType)
	req.InterfaceVersion = 0x34
	req.AddrRange = smpp.Address{TON: bind.AddrTON, NPI: bind.AddrNPI, Addr: []byte(bind.AddressRange)}
	if _, err := s.send(&req, nil, s.cfg.BindTimeout, true); err != nil {
		c.Close()
		return nil, fmt.Errorf("bind %s: %w", bind.SystemID, err)
	}
	return s, nil
}

// WaitBound waits until the session is bound, closed, or ctx ends.
func (s *Session) WaitBound(ctx context.Context) error {
	select {
	case <-s.bound:
		return nil
	case <-s.done:
		return s.Err()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Done is closed when the session has ended.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err returns why the session ended, or nil while it runs.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closeErr
}

// State returns the bind state.
func (s *Session) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// SystemID returns the bound system_id.
func (s *Session) SystemID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.systemID
}

// Conn returns the session's connection.
func (s *Session) Conn() *netio.Conn { return s.conn }

// Outstanding returns the number of requests awaiting a response.
func (s *Session) Outstanding() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

// Send sends a request within the window and returns its sequence number.
// ctx comes back with its Response or NoResponse, exactly once; when Send
// returns an error the request was not sent and ctx does not come back.
func (s *Session) Send(p *smpp.PDU, ctx any) (uint32, error) {
	return s.send(p, ctx, s.cfg.ResponseTimeout, false)
}

func (s *Session) send(p *smpp.PDU, ctx any, timeout time.Duration, internal bool) (uint32, error) {
	s.mu.Lock()
	if !internal {
		if !s.state.Bound() {
			s.mu.Unlock()
			return 0, ErrNotBound
		}
		if len(s.pending) >= s.cfg.Window {
			s.mu.Unlock()
			return 0, ErrWindowFull
		}
	}
	if s.state == Closed {
		s.mu.Unlock()
		return 0, netio.ErrClosed
	}
	s.seq++
	if s.seq > 0x7FFFFFFF {
		s.seq = 1
	}
	seq := s.seq
	s.pending[seq] = pending{cmd: p.Command, deadline: time.Now().UnixNano() + int64(timeout), ctx: ctx, internal: internal}
	s.mu.Unlock()
	p.Seq, p.Status = seq, smpp.ESME_ROK
	if err := s.conn.WriteSMPP(p); err != nil {
		s.mu.Lock()
		_, mine := s.pending[seq]
		delete(s.pending, seq)
		s.mu.Unlock()
		if !mine {
			// The close (or the response timer) took the request
			// first and reports it with NoResponse; failing here too
			// would report it twice.
			return seq, nil
		}
		return 0, err
	}
	return seq, nil
}

// Respond answers request cmd/seq with status st; messageID goes into the
// responses that carry one (submit_sm_resp, deliver_sm_resp, data_sm_resp,
// submit_multi_resp).
//
// Every request the session hands to App.Request is answered once, with
// Respond or Write: the answer frees its place in the inbound window.
func (s *Session) Respond(cmd smpp.CommandID, seq uint32, st smpp.Status, messageID []byte) error {
	s.release()
	return s.respond(cmd, seq, st, messageID)
}

// respond answers a request the session handles itself (outside the
// inbound window).
func (s *Session) respond(cmd smpp.CommandID, seq uint32, st smpp.Status, messageID []byte) error {
	p := smpp.PDU{Header: smpp.Header{Command: cmd.Resp(), Status: st, Seq: seq}}
	switch cmd {
	case smpp.SubmitSM, smpp.DeliverSM, smpp.DataSM, smpp.SubmitMulti:
		p.MessageID = messageID
	}
	return s.conn.WriteSMPP(&p)
}

// Write sends a PDU as given (a response the app built itself, such as
// query_sm_resp); a response frees its request's place in the inbound
// window.
func (s *Session) Write(p *smpp.PDU) error {
	if p.Command.IsResponse() {
		s.release()
	}
	return s.conn.WriteSMPP(p)
}

// release frees one place in the inbound window. It runs before the
// answer is written: once the peer has read the answer it may send its
// next request, which must find the place free.
func (s *Session) release() {
	if s.cfg.InboundWindow > 0 {
		s.inflight.Add(-1)
	}
}

// admit takes a place in the inbound window for a request about to go to
// the app, or answers it ESME_RTHROTTLED when the peer already has the
// window full, and reports whether the app may have it.
func (s *Session) admit(p *smpp.PDU) bool {
	w := s.cfg.InboundWindow
	if w <= 0 {
		return true
	}
	if s.inflight.Add(1) <= int32(w) {
		return true
	}
	s.inflight.Add(-1)
	if s.cfg.Throttled != nil {
		s.cfg.Throttled.Add(1)
	}
	_ = s.respond(p.Command, p.Seq, smpp.ESME_RTHROTTLED, nil)
	return false
}

// Unbind starts the unbind handshake; the connection closes when the
// peer answers or the response timeout passes.
func (s *Session) Unbind() {
	s.mu.Lock()
	if !s.state.Bound() {
		s.mu.Unlock()
		s.conn.Close()
		return
	}
	s.state = Unbinding
	s.mu.Unlock()
	p := smpp.PDU{Header: smpp.Header{Command: smpp.Unbind}}
	if _, err := s.send(&p, nil, s.cfg.ResponseTimeout, true); err != nil {
		s.conn.Close()
	}
}

// LastReceived is when the session last received a PDU (zero before the
// first), for the stats views.
func (s *Session) LastReceived() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lastRecv <= s.openedAt {
		return time.Time{}
	}
	return time.Unix(0, s.lastRecv)
}

// LastElinkSent is when the session last sent an enquire_link of its own
// (zero before the first).
func (s *Session) LastElinkSent() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lastElink == 0 {
		return time.Time{}
	}
	return time.Unix(0, s.lastElink)
}

// Close closes the connection at once (after flushing what is queued).
func (s *Session) Close() { s.conn.Close() }

// OnFrame implements netio.Handler.
func (s *Session) OnFrame(c *netio.Conn, frame []byte) {
	hd := smpp.ReadHeader(frame)
	now := c.ReadTime()
	s.mu.Lock()
	s.lastRecv = now
	s.mu.Unlock()
	if !hd.Command.Known() {
		s.nack(smpp.ESME_RINVCMDID, hd.Seq)
		return
	}
	p := &s.rx
	if err := p.Decode(frame); err != nil {
		st := smpp.StatusOf(err)
		switch {
		case hd.Command.IsResponse():
			// A response we cannot read still settles its request.
			p.Reset()
			p.Header = hd
			if p.Status == smpp.ESME_ROK {
				p.Status = st
			}
			s.onResponse(p)
		case hd.Command == smpp.AlertNotification || hd.Command == smpp.Outbind:
			// No response exists for these: drop the malformed PDU.
		case st == smpp.ESME_RINVCMDLEN:
			s.nack(st, hd.Seq)
		default:
			// The header is sound and a field is not: the command's own
			// response carries the field's status (SMPP v3.4 section 3.3
			// keeps generic_nack for header faults).
			_ = s.respond(hd.Command, hd.Seq, st, nil)
		}
		return
	}
	if hd.Command.IsResponse() {
		s.onResponse(p)
		return
	}
	s.onRequest(p)
}

func (s *Session) nack(st smpp.Status, seq uint32) {
	var b [smpp.HeaderLen]byte
	_ = s.conn.Write(smpp.AppendEmpty(b[:0], smpp.GenericNack, st, seq))
}

func (s *Session) onRequest(p *smpp.PDU) {
	switch p.Command {
	case smpp.EnquireLink:
		if s.cfg.Elinks != nil {
			s.cfg.Elinks.Add(1)
		}
		_ = s.respond(p.Command, p.Seq, smpp.ESME_ROK, nil)
		return
	case smpp.Unbind:
		s.mu.Lock()
		s.state = Unbinding
		s.closeErr = ErrUnbound
		s.mu.Unlock()
		_ = s.respond(p.Command, p.Seq, smpp.ESME_ROK, nil)
		s.conn.CloseWithError(ErrUnbound)
		return
	case smpp.BindReceiver, smpp.BindTransmitter, smpp.BindTransceiver:
		s.onBind(p)
		return
	}
	s.mu.Lock()
	st := s.state
	s.mu.Unlock()
	if !s.allowed(p.Command, st) {
		if p.Command == smpp.AlertNotification || p.Command == smpp.Outbind {
			return // these have no response
		}
		_ = s.respond(p.Command, p.Seq, smpp.ESME_RINVBNDSTS, nil)
		return
	}
	if !s.admit(p) {
		return
	}
	s.app.Request(s, p)
}

// allowed applies SMPP v3.4's table of which requests each side may send
// in each bind state.
func (s *Session) allowed(cmd smpp.CommandID, st State) bool {
	if s.role == Server {
		switch cmd {
		case smpp.SubmitSM, smpp.SubmitMulti, smpp.DataSM, smpp.QuerySM, smpp.CancelSM, smpp.ReplaceSM:
			return st.CanTransmit()
		}
		return false
	}
	switch cmd {
	case smpp.DeliverSM, smpp.DataSM, smpp.AlertNotification:
		return st.CanReceive()
	case smpp.Outbind:
		return st == Open
	}
	return false
}

func (s *Session) onBind(p *smpp.PDU) {
	s.mu.Lock()
	st, waiting := s.state, s.bindWait != nil
	s.mu.Unlock()
	var status smpp.Status
	switch {
	case s.role != Server:
		status = smpp.ESME_RINVBNDSTS
	case st != Open || waiting:
		status = smpp.ESME_RALYBND
	default:
		status = s.app.Bind(s, p)
	}
	if status == BindPending {
		w := &waitingBind{cmd: p.Command, seq: p.Seq, systemID: string(p.SystemID)}
		s.mu.Lock()
		s.bindWait = w
		s.mu.Unlock()
		return
	}
	s.answerBind(p.Command, p.Seq, string(p.SystemID), status)
}

// FinishBind answers a bind that App.Bind left pending. decide runs
// serialised with the session's callbacks, as Bind does, and returns the
// bind_*_resp status (ESME_ROK binds). Call it from any goroutine. When
// the session closed or has no pending bind, decide does not run and the
// error says why.
func (s *Session) FinishBind(decide func() smpp.Status) error {
	var err error
	ran := s.conn.Serialized(func() {
		s.mu.Lock()
		w := s.bindWait
		s.bindWait = nil
		st := s.state
		s.mu.Unlock()
		if w == nil || st != Open {
			err = ErrNoBindPending
			return
		}
		s.answerBind(w.cmd, w.seq, w.systemID, decide())
	})
	if !ran {
		return fmt.Errorf("finish bind: %w", netio.ErrClosed)
	}
	return err
}

// answerBind sends the bind response and, on ESME_ROK, binds.
func (s *Session) answerBind(cmd smpp.CommandID, seq uint32, systemID string, status smpp.Status) {
	resp := smpp.PDU{Header: smpp.Header{Command: cmd.Resp(), Seq: seq, Status: status}}
	if status == smpp.ESME_ROK {
		id := s.cfg.SystemID
		if id == "" {
			id = systemID
		}
		resp.SystemID = []byte(id)
		resp.TLVs = smpp.TLVs(nil).AppendUint8(smpp.TagSCInterfaceVersion, 0x34)
		s.mu.Lock()
		s.state = boundState(cmd)
		s.systemID = systemID
		s.mu.Unlock()
	}
	_ = s.conn.WriteSMPP(&resp)
	if status == smpp.ESME_ROK {
		close(s.bound)
		s.app.Bound(s)
	}
}

func (s *Session) onResponse(p *smpp.PDU) {
	s.mu.Lock()
	pd, ok := s.pending[p.Seq]
	if ok {
		delete(s.pending, p.Seq)
	}
	s.mu.Unlock()
	if !ok {
		return // a late or unsolicited response: nothing waits for it
	}
	if !pd.internal {
		s.app.Response(s, p, pd.ctx)
		return
	}
	switch pd.cmd {
	case smpp.BindReceiver, smpp.BindTransmitter, smpp.BindTransceiver:
		if p.Status != smpp.ESME_ROK || p.Command == smpp.GenericNack {
			st := p.Status
			if st == smpp.ESME_ROK {
				st = smpp.ESME_RBINDFAIL // a generic_nack never binds
			}
			s.conn.CloseWithError(fmt.Errorf("bind refused: %w", &smpp.Error{Status: st, Msg: p.Command.String()}))
			return
		}
		s.mu.Lock()
		s.state = boundState(pd.cmd)
		s.mu.Unlock()
		close(s.bound)
		s.app.Bound(s)
	case smpp.EnquireLink:
	case smpp.Unbind:
		s.conn.CloseWithError(ErrUnbound)
	default:
		s.app.Response(s, p, pd.ctx)
	}
}

// OnTick implements netio.Handler: timers.
func (s *Session) OnTick(c *netio.Conn, t time.Time) {
	now := t.UnixNano()
	s.mu.Lock()
	st := s.state
	idle := now - s.lastRecv
	var closeErr error
	switch {
	case st == Open && s.role == Server && now-s.openedAt > int64(s.cfg.BindTimeout):
		closeErr = ErrBindTimeout
	case st.Bound() && idle > int64(s.cfg.InactivityTimeout):
		closeErr = ErrInactive
	}
	s.scratch = s.scratch[:0]
	for seq, pd := range s.pending {
		if now > pd.deadline {
			s.scratch = append(s.scratch, expired{seq, pd})
			delete(s.pending, seq)
		}
	}
	elink := st.Bound() && idle > int64(s.cfg.EnquireLinkInterval) && now-s.lastElink > int64(s.cfg.EnquireLinkInterval)
	if elink {
		s.lastElink = now
	}
	s.mu.Unlock()

	for i := range s.scratch {
		e := &s.scratch[i]
		switch {
		case !e.internal:
			s.app.NoResponse(s, e.cmd, e.seq, e.ctx, ErrResponseTimeout)
		case e.cmd == smpp.EnquireLink:
			closeErr = ErrEnquireLinkTimeout
		case e.cmd == smpp.Unbind:
			closeErr = ErrUnbound
		default:
			closeErr = ErrBindTimeout
		}
		e.ctx = nil
	}
	if closeErr != nil {
		if closeErr == ErrInactive {
			// Say goodbye properly; the close follows the unbind_resp or
			// the response timeout, whichever comes first.
			s.mu.Lock()
			s.closeErr = ErrInactive
			s.mu.Unlock()
			s.Unbind()
			return
		}
		c.CloseWithError(closeErr)
		return
	}
	if elink {
		if s.cfg.Elinks != nil {
			s.cfg.Elinks.Add(1)
		}
		p := smpp.PDU{Header: smpp.Header{Command: smpp.EnquireLink}}
		_, _ = s.send(&p, nil, s.cfg.ResponseTimeout, true)
	}
}

// OnClose implements netio.Handler.
func (s *Session) OnClose(c *netio.Conn, err error) {
	s.mu.Lock()
	if s.closeErr == nil {
		s.closeErr = err
	}
	if s.closeErr == nil {
		s.closeErr = netio.ErrClosed
	}
	err = s.closeErr
	s.state = Closed
	left := s.scratch[:0]
	for seq, pd := range s.pending {
		left = append(left, expired{seq, pd})
	}
	clear(s.pending)
	s.mu.Unlock()
	for _, e := range left {
		if !e.internal {
			s.app.NoResponse(s, e.cmd, e.seq, e.ctx, err)
		}
	}
	close(s.done)
	s.app.Closed(s, err)
}
