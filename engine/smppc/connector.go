package smppc

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gwd-project/gwd/engine/mt"
	"github.com/gwd-project/gwd/engine/recovery"
	"github.com/gwd-project/gwd/engine/session"
	"github.com/gwd-project/gwd/engine/wake"
	"github.com/gwd-project/gwd/netio"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/wal"
)

// Result is how a submit ended.
type Result uint8

// Results.
const (
	// Accepted: submit_sm_resp ESME_ROK; smscID is the SMSC's message id.
	Accepted Result = iota + 1
	// Rejected: submit_sm_resp with an error status (other than the
	// throttling ones, which requeue).
	Rejected
	// Unknown: no response within res_to and res_to_policy is fail (or
	// the one resend timed out too); the SMSC may or may not have it.
	Unknown
	// Expired: the message's validity passed while it waited in the
	// queue; it is already gone from the store (no Ack).
	Expired
	// Cancelled: withdrawn by its sender (cancel_sm) before it was
	// sent; the sink acks it.
	Cancelled
)

// Sink is where a connector reports; the gateway implements it. Methods
// are called from event loops or the dispatcher and must not block.
type Sink interface {
	// Outcome reports the end of one submit. For every Result but Expired
	// the sink must call c.Ack(m, …) exactly once (with whatever else
	// belongs in the same batch); rec aliases m's payload.
	Outcome(c *Connector, m *wal.Msg, rec *mt.Record, res Result, st smpp.Status, smscID []byte)
	// Deliver hands over a deliver_sm or data_sm from the SMSC (a receipt
	// or an MO message). p is valid only during the call: copy what is
	// kept. respond must be called exactly once, with the command_status
	// for the SMSC, once the hand-off is durable.
	Deliver(c *Connector, p *smpp.PDU, respond func(smpp.Status))
	// StateChanged reports a bind's session state change (logs, status).
	StateChanged(c *Connector, bind int, state string, err error)
	// Cancelled reports whether message id of user uid was cancelled
	// while it waited (cancel_sm): it is then dropped, not sent. Called
	// for every message taken, so it must be cheap.
	Cancelled(id, uid string) bool
}

// Dialers gives the connector a dialer for plain or TLS links.
type Dialers interface {
	Dialer(ssl bool) (*netio.Dialer, error)
}

// Connector is one SMPP client connector.
type Connector struct {
	cid     string
	cfg     atomic.Pointer[Config]
	q       *wal.Queue
	sink    Sink
	dialers Dialers
	log     *slog.Logger
	app     *app

	mu      sync.Mutex
	running bool
	starts  int
	stops   int
	binds   []*bind
	stop    chan struct{}
	wg      sync.WaitGroup
	resent  map[uint64]bool // queue seq → resent once after a timeout

	wake        chan struct{}
	pausedUntil atomic.Int64 // unix ns
	rr          atomic.Uint32

	pool sync.Pool // *inflight
	tls  tlsCache

	// Counters (jCli stats, metrics).
	Stats Stats
}

// Stats are a connector's counters.
type Stats struct {
	SubmitSent, SubmitOK, SubmitErr, Throttled, Timeouts, Requeued atomic.Uint64
	DeliverSM, DataSM, Elinks                                      atomic.Uint64
	InterceptorCount, InterceptorErrorCount                        atomic.Uint64
	Connected, Disconnected, BindFailed                            atomic.Uint64
	LastStart, LastStop, LastConnect, LastDisconnect               atomic.Int64 // unix ns
	Created                                                        atomic.Int64 // unix ns: when New made it
}

type inflight struct {
	m      *wal.Msg
	rec    mt.Record
	sentAt int64
}

// New makes a stopped connector sending from queue q.
func New(cfg Config, q *wal.Queue, sink Sink, d Dialers, log *slog.Logger) *Connector {
	if log == nil {
		log = slog.Default()
	}
	c := &Connector{cid: cfg.CID, q: q, sink: sink, dialers: d, log: log.With("cid", cfg.CID),
		wake: make(chan struct{}, 1), resent: map[uint64]bool{}}
	c.cfg.Store(&cfg)
	c.Stats.Created.Store(time.Now().UnixNano())
	c.app = &app{c: c}
	c.pool.New = func() any { return new(inflight) }
	q.OnExpire(func(m *wal.Msg) {
		var rec mt.Record
		if err := rec.Decode(m.Payload); err != nil {
			c.log.Error("expired message with a bad record", "err", err)
			return
		}
		c.sink.Outcome(c, m, &rec, Expired, smpp.ESME_ROK, nil)
	})
	return c
}

// CID is the connector id.
func (c *Connector) CID() string { return c.cid }

// Config returns the current configuration.
func (c *Connector) Config() Config { return *c.cfg.Load() }

// Queue is the connector's durable MT queue.
func (c *Connector) Queue() *wal.Queue { return c.q }

// Update applies a new configuration. Keys that need a restart (see
// NeedsRestart) take effect at the next Start; the others at once.
func (c *Connector) Update(cfg Config) {
	cfg.CID = c.cid
	c.cfg.Store(&cfg)
	c.signal()
}

// Running reports whether the service is started.
func (c *Connector) Running() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.running
}

// Counts returns the start and stop counters (`smppccm -l`).
func (c *Connector) Counts() (starts, stops int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.starts, c.stops
}

// SessionState is the state `smppccm -l` shows: the best bind's session
// state (BOUND_TRX …), or "None" when no bind has a session.
func (c *Connector) SessionState() string {
	c.mu.Lock()
	binds := c.binds
	c.mu.Unlock()
	best := "None"
	for _, b := range binds {
		if s := b.sess.Load(); s != nil {
			st := s.State().String()
			if best == "None" || (st != best && len(st) > 5 && st[:5] == "BOUND") {
				best = st
			}
		}
	}
	return best
}

// LastReceived is the latest PDU any bind's session received, and
// LastElinkSent the latest enquire_link one sent (zero: none), read from
// the live sessions when asked: no cost per PDU.
func (c *Connector) LastReceived() time.Time {
	return c.latest((*session.Session).LastReceived)
}

// LastElinkSent: see LastReceived.
func (c *Connector) LastElinkSent() time.Time {
	return c.latest((*session.Session).LastElinkSent)
}

func (c *Connector) latest(f func(*session.Session) time.Time) time.Time {
	c.mu.Lock()
	binds := c.binds
	c.mu.Unlock()
	var t time.Time
	for _, b := range binds {
		if s := b.sess.Load(); s != nil {
			if x := f(s); x.After(t) {
				t = x
			}
		}
	}
	return t
}

// Up reports whether at least one bind can send submit_sm now (failover
// routes skip connectors that are down).
func (c *Connector) Up() bool {
	c.mu.Lock()
	binds := c.binds
	c.mu.Unlock()
	for _, b := range binds {
		if s := b.sess.Load(); s != nil && canSubmit(s.State()) {
			return true
		}
	}
	return false
}

// Start starts the service: binds come up and the queue drains. Starting
// a started connector is an error.
func (c *Connector) Start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		return fmt.Errorf("connector %s is already started", c.cid)
	}
	cfg := c.cfg.Load()
	if cfg.SSL {
		// Read the CA and client certificate now, so that a wrong file
		// is an error of the start command rather than a retry loop.
		c.tls.reset()
		if _, err := c.tls.get(cfg); err != nil {
			return err
		}
	}
	c.running = true
	c.starts++
	c.Stats.LastStart.Store(time.Now().UnixNano())
	c.stop = make(chan struct{})
	c.binds = make([]*bind, cfg.Binds)
	for i := range c.binds {
		b := &bind{c: c, idx: i}
		c.binds[i] = b
		c.wg.Add(1)
		go func(stop chan struct{}) {
			defer c.wg.Done()
			recovery.Loop("smppc", c.log, stop, func() { b.run(stop) })
		}(c.stop)
	}
	if cfg.Bind != "receiver" {
		c.wg.Add(1)
		go func(stop chan struct{}) {
			defer c.wg.Done()
			recovery.Loop("smppc", c.log, stop, func() { c.dispatch(stop) })
		}(c.stop)
	}
	return nil
}

// Stop unbinds and stops the service; messages in flight go back to the
// queue (or finish, if their responses arrive during the unbind).
func (c *Connector) Stop() error {
	c.mu.Lock()
	if !c.running {
		c.mu.Unlock()
		return fmt.Errorf("connector %s is already stopped", c.cid)
	}
	c.running = false
	c.stops++
	c.Stats.LastStop.Store(time.Now().UnixNano())
	close(c.stop)
	c.mu.Unlock()
	c.wg.Wait()
	return nil
}

func (c *Connector) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func canSubmit(st session.State) bool {
	return st == session.BoundTX || st == session.BoundTRX
}

// pick returns a bound session that may send and has window room.
func (c *Connector) pick(window int) *session.Session {
	c.mu.Lock()
	binds := c.binds
	c.mu.Unlock()
	n := len(binds)
	start := int(c.rr.Add(1))
	for i := range n {
		b := binds[(start+i)%n]
		s := b.sess.Load()
		if s != nil && canSubmit(s.State()) && s.Outstanding() < window {
			return s
		}
	}
	return nil
}

// dispatch sends the queue's messages: one goroutine per connector.
func (c *Connector) dispatch(stop chan struct{}) {
	var tb tokenBucket
	w := wake.New()
	defer w.Stop()
	wait := func(d time.Duration) bool { return w.Wait(d, stop, c.wake, c.q.Notify()) }
	for {
		select {
		case <-stop:
			return
		default:
		}
		cfg := c.cfg.Load()
		now := time.Now()
		if p := c.pausedUntil.Load(); p > now.UnixNano() {
			if !wait(time.Duration(p - now.UnixNano())) {
				return
			}
			continue
		}
		s := c.pick(cfg.Window)
		if s == nil {
			if !wait(time.Second) {
				return
			}
			continue
		}
		if d := tb.take(cfg.SubmitThroughput, now); d > 0 {
			if !wait(d) {
				return
			}
			continue
		}
		m, err := c.q.Take()
		if err != nil {
			c.log.Error("queue read failed", "err", err)
			tb.refund()
			if !wait(time.Second) {
				return
			}
			continue
		}
		if m == nil {
			tb.refund()
			d := time.Second
			if due := c.q.NextDue(); !due.IsZero() {
				d = time.Until(due)
			}
			if !wait(d) {
				return
			}
			continue
		}
		c.send(s, m, cfg)
	}
}

func (c *Connector) send(s *session.Session, m *wal.Msg, cfg *Config) {
	f := c.pool.Get().(*inflight)
	f.m = m
	if err := f.rec.Decode(m.Payload); err != nil {
		c.log.Error("dropping a queue record that does not decode", "seq", m.Seq, "err", err)
		c.release(f)
		c.q.Ack(m, wal.Write{}, nil)
		return
	}
	if c.sink.Cancelled(f.rec.ID, f.rec.UID) {
		c.sink.Outcome(c, m, &f.rec, Cancelled, smpp.ESME_ROK, nil)
		c.release(f)
		return
	}
	var p smpp.PDU
	if err := p.Decode(f.rec.PDU); err != nil {
		c.log.Error("dropping a queued submit_sm that does not decode", "id", f.rec.ID, "err", err)
		c.sink.Outcome(c, m, &f.rec, Rejected, smpp.ESME_RSYSERR, nil)
		c.release(f)
		return
	}
	applyDefaults(&p, cfg)
	f.sentAt = time.Now().UnixNano()
	if _, err := s.Send(&p, f); err != nil {
		// Not sent (window filled meanwhile, or the bind went away):
		// back to the head of its priority.
		if rerr := c.q.Requeue(m, 0); rerr != nil {
			c.log.Error("requeue failed", "id", f.rec.ID, "err", rerr)
		}
		c.release(f)
		return
	}
	c.Stats.SubmitSent.Add(1)
}

func (c *Connector) release(f *inflight) {
	f.m = nil
	f.rec = mt.Record{}
	c.pool.Put(f)
}

// applyDefaults fills what the sender left unset with the connector's
// link settings: src_addr, validity, proto_id when set.
func applyDefaults(p *smpp.PDU, cfg *Config) {
	if len(p.Source.Addr) == 0 && cfg.SrcAddr != "" {
		p.Source.Addr = []byte(cfg.SrcAddr)
		p.Source.TON, p.Source.NPI = byte(cfg.SrcTON), byte(cfg.SrcNPI)
	}
	if len(p.ValidityPeriod) == 0 && cfg.Validity > 0 {
		p.ValidityPeriod = relativeTime(cfg.Validity)
	}
	if cfg.ProtoID >= 0 && p.ProtocolID == 0 {
		p.ProtocolID = byte(cfg.ProtoID)
	}
	if p.ReplaceIfPresent == 0 {
		p.ReplaceIfPresent = byte(cfg.RIPF)
	}
	if p.SMDefaultMsgID == 0 {
		p.SMDefaultMsgID = byte(cfg.DefMsgID)
	}
}

// relativeTime formats seconds as an SMPP relative time
// (YYMMDDhhmmss000R).
func relativeTime(secs int) []byte {
	d := secs / 86400
	y, d := d/365, d%365
	mo, d := d/30, d%30
	r := secs % 86400
	return fmt.Appendf(nil, "%02d%02d%02d%02d%02d%02d000R", y, mo, d, r/3600, r/60%60, r%60)
}

// Ack removes a message whose outcome the sink has handled, with extra in
// the same batch.
func (c *Connector) Ack(m *wal.Msg, extra wal.Write, done func(error)) {
	c.mu.Lock()
	delete(c.resent, m.Seq)
	c.mu.Unlock()
	c.q.Ack(m, extra, done)
}

// response handles a submit_sm_resp (or generic_nack).
func (c *Connector) response(resp *smpp.PDU, f *inflight) {
	c.signal()
	st := resp.Status
	if resp.Command == smpp.GenericNack && st == smpp.ESME_ROK {
		st = smpp.ESME_RSYSERR
	}
	switch st {
	case smpp.ESME_ROK:
		c.Stats.SubmitOK.Add(1)
		c.sink.Outcome(c, f.m, &f.rec, Accepted, st, resp.MessageID)
	case smpp.ESME_RTHROTTLED, smpp.ESME_RMSGQFUL:
		c.Stats.Throttled.Add(1)
		cfg := c.cfg.Load()
		c.pausedUntil.Store(time.Now().Add(secs(cfg.RequeueDelay)).UnixNano())
		c.requeue(f.m)
	default:
		c.Stats.SubmitErr.Add(1)
		c.sink.Outcome(c, f.m, &f.rec, Rejected, st, nil)
	}
	c.release(f)
}

func (c *Connector) requeue(m *wal.Msg) {
	c.Stats.Requeued.Add(1)
	if err := c.q.Requeue(m, 0); err != nil {
		c.log.Error("requeue failed", "seq", m.Seq, "err", err)
	}
}

// noResponse handles a submit that will get no response.
func (c *Connector) noResponse(f *inflight, reason error) {
	c.signal()
	if errors.Is(reason, session.ErrResponseTimeout) {
		c.Stats.Timeouts.Add(1)
		cfg := c.cfg.Load()
		c.mu.Lock()
		again := cfg.ResToPolicy == "resend" && !c.resent[f.m.Seq]
		if again {
			c.resent[f.m.Seq] = true
		}
		c.mu.Unlock()
		if again {
			c.requeue(f.m)
		} else {
			c.sink.Outcome(c, f.m, &f.rec, Unknown, smpp.ESME_RUNKNOWNERR, nil)
		}
	} else {
		// The bind went away with the submit in its window: send it
		// again once a bind is up (at-least-once).
		c.requeue(f.m)
	}
	c.release(f)
}

// bind keeps one session up.
type bind struct {
	c    *Connector
	idx  int
	sess atomic.Pointer[session.Session]
}

func (b *bind) run(stop chan struct{}) {
	c := b.c
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	sleep := func(d time.Duration) bool {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-stop:
			return false
		case <-t.C:
			return true
		}
	}
	for {
		cfg := c.cfg.Load()
		s, err := b.connect(ctx, cfg)
		if err != nil {
			c.Stats.BindFailed.Add(1)
			c.sink.StateChanged(c, b.idx, "None", err)
			if ctx.Err() != nil {
				return
			}
			if !cfg.ConFailRetry {
				c.log.Warn("bind failed; con_fail_retry is no", "err", err)
				return
			}
			c.log.Warn("bind failed; retrying", "err", err, "in", secs(cfg.ConFailDelay))
			if !sleep(secs(cfg.ConFailDelay)) {
				return
			}
			continue
		}
		c.Stats.Connected.Add(1)
		c.Stats.LastConnect.Store(time.Now().UnixNano())
		b.sess.Store(s)
		c.sink.StateChanged(c, b.idx, s.State().String(), nil)
		c.signal()
		select {
		case <-s.Done():
		case <-stop:
			s.Unbind()
			t := time.NewTimer(secs(cfg.ResTO))
			select {
			case <-s.Done():
			case <-t.C:
				s.Close()
				<-s.Done()
			}
			t.Stop()
			b.sess.Store(nil)
			c.sink.StateChanged(c, b.idx, "None", nil)
			return
		}
		b.sess.Store(nil)
		c.Stats.Disconnected.Add(1)
		c.Stats.LastDisconnect.Store(time.Now().UnixNano())
		c.sink.StateChanged(c, b.idx, "None", s.Err())
		if !cfg.ConLossRetry {
			c.log.Warn("connection lost; con_loss_retry is no", "err", s.Err())
			return
		}
		c.log.Warn("connection lost; reconnecting", "err", s.Err(), "in", secs(cfg.ConLossDelay))
		if !sleep(secs(cfg.ConLossDelay)) {
			return
		}
	}
}

func (b *bind) connect(ctx context.Context, cfg *Config) (*session.Session, error) {
	d, err := b.c.dialers.Dialer(cfg.SSL)
	if err != nil {
		return nil, err
	}
	typ := smpp.BindTransceiver
	switch cfg.Bind {
	case "transmitter":
		typ = smpp.BindTransmitter
	case "receiver":
		typ = smpp.BindReceiver
	}
	scfg := session.Config{
		BindTimeout:         secs(cfg.BindTO),
		EnquireLinkInterval: secs(cfg.ElinkInterval),
		InactivityTimeout:   secs(cfg.TrxTO),
		ResponseTimeout:     secs(cfg.ResTO),
		Window:              cfg.Window + 2, // room for enquire_link and unbind
		Elinks:              &b.c.Stats.Elinks,
		PDUReadTimeout:      secs(cfg.PDUReadTO),
	}
	req := session.BindRequest{Type: typ, SystemID: cfg.Username, Password: cfg.Password, SystemType: cfg.SysType,
		AddrTON: byte(cfg.BindTON), AddrNPI: byte(cfg.BindNPI), AddressRange: cfg.AddrRange}
	var tlsCfg *tls.Config
	if cfg.SSL {
		if tlsCfg, err = b.c.tls.get(cfg); err != nil {
			return nil, err
		}
		if !cfg.SSLVerify {
			b.c.log.Warn("connecting over TLS without verifying the SMSC's certificate (ssl_verify no)", "addr", cfg.Addr())
		}
	}
	s, err := session.DialTLS(ctx, d, cfg.Addr(), tlsCfg, scfg, b.c.app, req)
	if err != nil {
		return nil, fmt.Errorf("connector %s: %w", b.c.cid, err)
	}
	s.User = b
	if err := s.WaitBound(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("connector %s: bind %s as %s: %w", b.c.cid, cfg.Addr(), cfg.Username, err)
	}
	return s, nil
}

// app is the session.App of a connector's sessions.
type app struct {
	session.BaseApp
	c *Connector
}

func (a *app) Request(s *session.Session, req *smpp.PDU) {
	switch req.Command {
	case smpp.DeliverSM, smpp.DataSM:
		if req.Command == smpp.DeliverSM {
			a.c.Stats.DeliverSM.Add(1)
		} else {
			a.c.Stats.DataSM.Add(1)
		}
		cmd, seq := req.Command, req.Seq
		a.c.sink.Deliver(a.c, req, func(st smpp.Status) {
			_ = s.Respond(cmd, seq, st, nil)
		})
	default:
		_ = s.Respond(req.Command, req.Seq, smpp.ESME_RINVCMDID, nil)
	}
}

func (a *app) Response(s *session.Session, resp *smpp.PDU, ctx any) {
	if f, ok := ctx.(*inflight); ok {
		a.c.response(resp, f)
	}
}

func (a *app) NoResponse(s *session.Session, cmd smpp.CommandID, seq uint32, ctx any, reason error) {
	if f, ok := ctx.(*inflight); ok {
		a.c.noResponse(f, reason)
	}
}

func (a *app) Closed(s *session.Session, err error) { a.c.signal() }

// tokenBucket paces submit_throughput (PDUs per second; 0 unlimited),
// with a burst of a hundredth of a second's worth (at least one).
type tokenBucket struct {
	tokens float64
	last   time.Time
}

func (t *tokenBucket) take(rate float64, now time.Time) time.Duration {
	if rate <= 0 {
		return 0
	}
	burst := rate / 100
	if burst < 1 {
		burst = 1
	}
	if t.last.IsZero() {
		t.tokens = burst
	} else {
		t.tokens += now.Sub(t.last).Seconds() * rate
		if t.tokens > burst {
			t.tokens = burst
		}
	}
	t.last = now
	if t.tokens >= 1 {
		t.tokens--
		return 0
	}
	return time.Duration((1 - t.tokens) / rate * float64(time.Second))
}

func (t *tokenBucket) refund() {
	if !t.last.IsZero() {
		t.tokens++
	}
}
