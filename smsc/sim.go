package smsc

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gwd-project/gwd/engine/session"
	"github.com/gwd-project/gwd/netio"
	"github.com/gwd-project/gwd/smpp"
)

// Sim is a running simulator.
type Sim struct {
	cfg     Config
	errSt   smpp.Status
	ids     *idGen
	srv     *netio.Server
	http    *http.Server
	httpLn  net.Listener
	started time.Time

	total counters

	mu       sync.Mutex
	binds    map[string][]*bind // system_id → open binds that can receive
	allBinds map[*bind]struct{}
	rr       int
	held     map[string][]*job // receipts waiting for a receiver bind
	// deliver_sm that found every window full, oldest first, sent as
	// responses free slots.
	blocked     []*job
	blockedHead int
	heldN       int

	faults     atomic.Pointer[faults]
	faultsMu   sync.Mutex // SetFaults: one change at a time
	stallUntil atomic.Int64
	rec        *recorder // Config.Record; nil records nothing

	sched *scheduler
	stop  chan struct{}
	wg    sync.WaitGroup
}

// bind is the simulator's state for one session.
type bind struct {
	s        *session.Session
	systemID string
	state    session.State
	boundAt  time.Time
	c        counters

	// throttle: submits counted in the current one-second window; only
	// touched from the session's serialised callbacks.
	winStart int64
	winCount int
	throttle bool // the throttle applies to this bind (ThrottleBinds)
}

// maxHeld bounds receipts kept for system_ids with no receiver bound.
const maxHeld = 1_000_000

// Start runs a simulator with cfg.
func Start(cfg Config) (*Sim, error) {
	cfg, err := cfg.normalized()
	if err != nil {
		return nil, fmt.Errorf("smppsim: %w", err)
	}
	st, _ := smpp.ParseStatus(cfg.ErrorStatus)
	sim := &Sim{
		cfg: cfg, errSt: st, ids: newIDGen(cfg.MessageID), started: time.Now(),
		binds: map[string][]*bind{}, allBinds: map[*bind]struct{}{}, held: map[string][]*job{},
		stop: make(chan struct{}),
	}
	sim.faults.Store(&faults{dropPercent: cfg.DropPercent, noResponsePercent: cfg.NoResponsePercent,
		throttle: cfg.Throttle, responseDelay: cfg.ResponseDelay.Duration})
	if cfg.Record != "" {
		if sim.rec, err = openRecorder(cfg.Record); err != nil {
			return nil, fmt.Errorf("smppsim: %w", err)
		}
	}
	sim.sched = newScheduler(sim)
	scfg := session.Config{
		SystemID:            cfg.SystemID,
		EnquireLinkInterval: cfg.EnquireLinkInterval.Duration,
		InactivityTimeout:   cfg.InactivityTimeout.Duration,
		ResponseTimeout:     cfg.ResponseTimeout.Duration,
		Window:              cfg.Window,
	}
	tlsCfg, err := cfg.tlsConfig()
	if err != nil {
		return nil, fmt.Errorf("smppsim: %w", err)
	}
	srv, err := netio.Listen(cfg.Listen, netio.Options{MaxPDUSize: cfg.MaxPDUSize, TLS: tlsCfg}, session.NewServerHandler(scfg, (*app)(sim)))
	if err != nil {
		return nil, fmt.Errorf("smppsim: %w", err)
	}
	sim.srv = srv
	if cfg.Stats != "" {
		if err := sim.serveHTTP(cfg.Stats); err != nil {
			_ = srv.Close()
			return nil, fmt.Errorf("smppsim: stats: %w", err)
		}
	}
	sim.wg.Add(1)
	go func() { defer sim.wg.Done(); sim.sched.run(sim.stop) }()
	if cfg.StatsInterval.Duration > 0 {
		sim.wg.Add(1)
		go func() { defer sim.wg.Done(); sim.printStats(os.Stderr, cfg.StatsInterval.Duration, sim.stop) }()
	}
	if cfg.MORate > 0 {
		sim.wg.Add(1)
		go func() { defer sim.wg.Done(); sim.generateMO(sim.stop) }()
	}
	return sim, nil
}

// Addr returns the SMPP listening address.
func (sim *Sim) Addr() net.Addr { return sim.srv.Addr() }

// StatsAddr returns the HTTP address, or nil when disabled.
func (sim *Sim) StatsAddr() net.Addr {
	if sim.httpLn == nil {
		return nil
	}
	return sim.httpLn.Addr()
}

// Close stops everything.
func (sim *Sim) Close() error {
	close(sim.stop)
	sim.wg.Wait()
	var herr error
	if sim.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		herr = sim.http.Shutdown(ctx)
		cancel()
	}
	return errors.Join(sim.srv.Close(), herr, sim.rec.close())
}

// Stats returns the counters now.
func (sim *Sim) Stats() Stats {
	st := Stats{Uptime: time.Since(sim.started).Round(time.Second).String(), Total: sim.total.snapshot()}
	if sim.rec != nil {
		st.Total.RecordDropped = sim.rec.dropped.Load()
	}
	sim.mu.Lock()
	st.Total.ReceiptsHeld = int64(sim.heldN)
	for b := range sim.allBinds {
		bs := BindStats{SystemID: b.systemID, BindType: b.state.String(), BoundAt: b.boundAt, Snapshot: b.c.snapshot()}
		if a := b.s.Conn().RemoteAddr(); a != nil {
			bs.Remote = a.String()
		}
		st.BindsOpen = append(st.BindsOpen, bs)
	}
	sim.mu.Unlock()
	st.BoundNow = len(st.BindsOpen)
	return st
}

// Drop closes the connections of systemID's binds, or of all binds when
// systemID is empty, without unbinding. It returns how many it dropped.
func (sim *Sim) Drop(systemID string) int {
	sim.mu.Lock()
	var victims []*bind
	for b := range sim.allBinds {
		if systemID == "" || b.systemID == systemID {
			victims = append(victims, b)
		}
	}
	sim.mu.Unlock()
	for _, b := range victims {
		b.c.Dropped.Add(1)
		sim.total.Dropped.Add(1)
		b.s.Close()
	}
	return len(victims)
}

// pickReceiver returns a receiver-capable bind of systemID (any system_id
// when empty), round robin, or nil.
func (sim *Sim) pickReceiver(systemID string) *bind {
	sim.mu.Lock()
	defer sim.mu.Unlock()
	sim.rr++
	if systemID != "" {
		bs := sim.binds[systemID]
		if len(bs) == 0 {
			return nil
		}
		return bs[sim.rr%len(bs)]
	}
	var n int
	for _, bs := range sim.binds {
		n += len(bs)
	}
	if n == 0 {
		return nil
	}
	i := sim.rr % n
	for _, bs := range sim.binds {
		if i < len(bs) {
			return bs[i]
		}
		i -= len(bs)
	}
	return nil
}

// app is the simulator seen as a session.App.
type app Sim

func (a *app) sim() *Sim { return (*Sim)(a) }

func (a *app) Bind(s *session.Session, req *smpp.PDU) smpp.Status {
	sim := a.sim()
	if len(sim.cfg.Users) > 0 {
		pw, ok := sim.cfg.Users[string(req.SystemID)]
		switch {
		case !ok:
			sim.total.BindFailures.Add(1)
			return smpp.ESME_RINVSYSID
		case pw != string(req.Password):
			sim.total.BindFailures.Add(1)
			return smpp.ESME_RINVPASWD
		}
	}
	return smpp.ESME_ROK
}

func (a *app) Bound(s *session.Session) {
	sim := a.sim()
	b := &bind{s: s, systemID: s.SystemID(), state: s.State(), boundAt: time.Now()}
	s.User = b
	n := sim.total.Binds.Add(1)
	b.throttle = sim.cfg.ThrottleBinds == 0 || n <= int64(sim.cfg.ThrottleBinds)
	b.c.Binds.Add(1)
	sim.mu.Lock()
	sim.allBinds[b] = struct{}{}
	var release []*job
	if b.state.CanReceive() {
		sim.binds[b.systemID] = append(sim.binds[b.systemID], b)
		release = sim.held[b.systemID]
		delete(sim.held, b.systemID)
		sim.heldN -= len(release)
	}
	sim.mu.Unlock()
	now := time.Now().UnixNano()
	for _, j := range release {
		j.due = now
		sim.sched.push(j)
	}
	if b.state.CanReceive() {
		sim.unblock(sim.cfg.Window) // a fresh window for parked deliver_sm
	}
}

func (a *app) Closed(s *session.Session, err error) {
	sim := a.sim()
	b, _ := s.User.(*bind)
	if b == nil {
		return
	}
	if errors.Is(err, session.ErrUnbound) {
		sim.total.Unbinds.Add(1)
	}
	sim.mu.Lock()
	delete(sim.allBinds, b)
	bs := sim.binds[b.systemID]
	for i, x := range bs {
		if x == b {
			bs = append(bs[:i:i], bs[i+1:]...)
			break
		}
	}
	if len(bs) == 0 {
		delete(sim.binds, b.systemID)
	} else {
		sim.binds[b.systemID] = bs
	}
	sim.mu.Unlock()
}

func chance(percent float64) bool {
	return percent > 0 && rand.Float64()*100 < percent
}

func (a *app) Request(s *session.Session, req *smpp.PDU) {
	sim := a.sim()
	b, _ := s.User.(*bind)
	sim.stalled()
	switch req.Command {
	case smpp.SubmitSM, smpp.DataSM:
		sim.submit(s, b, req)
	case smpp.QuerySM:
		sim.total.Queries.Add(1)
		// The simulator keeps no message store: every known-format id is
		// reported delivered, as simple SMSC test rigs do.
		resp := smpp.PDU{Header: smpp.Header{Command: smpp.QuerySMResp, Seq: req.Seq}}
		resp.MessageID = req.MessageID
		resp.MessageState = 2
		_ = s.Write(&resp)
	case smpp.CancelSM:
		sim.total.Cancels.Add(1)
		_ = s.Respond(req.Command, req.Seq, smpp.ESME_RCANCELFAIL, nil)
	default:
		_ = s.Respond(req.Command, req.Seq, smpp.ESME_RINVCMDID, nil)
	}
}

func (sim *Sim) submit(s *session.Session, b *bind, req *smpp.PDU) {
	sim.total.Submits.Add(1)
	b.c.Submits.Add(1)
	f := sim.faults.Load()
	switch {
	case chance(f.dropPercent):
		b.c.Dropped.Add(1)
		sim.total.Dropped.Add(1)
		s.Close()
		return
	case chance(f.noResponsePercent):
		b.c.NoResponse.Add(1)
		sim.total.NoResponse.Add(1)
		return
	}
	if b.throttle && f.throttle > 0 {
		now := time.Now().UnixNano()
		if now-b.winStart >= int64(time.Second) {
			b.winStart, b.winCount = now, 0
		}
		b.winCount++
		if b.winCount > f.throttle {
			b.c.Throttled.Add(1)
			sim.total.Throttled.Add(1)
			sim.respond(s, req.Command, req.Seq, smpp.ESME_RTHROTTLED, nil)
			return
		}
	}
	if chance(sim.cfg.ErrorPercent) {
		b.c.SubmitErrors.Add(1)
		sim.total.SubmitErrors.Add(1)
		sim.respond(s, req.Command, req.Seq, sim.errSt, nil)
		return
	}
	var idb [40]byte
	id := sim.ids.next(idb[:0])
	b.c.SubmitOK.Add(1)
	sim.total.SubmitOK.Add(1)
	sim.respond(s, req.Command, req.Seq, smpp.ESME_ROK, id)
	sim.rec.line("MT", id, req.ShortMessage)
	if req.RegisteredDelivery&0x03 != 0 {
		sim.scheduleReceipts(b.systemID, req, string(id))
	}
}

// respond answers now, or after ResponseDelay through the scheduler.
func (sim *Sim) respond(s *session.Session, cmd smpp.CommandID, seq uint32, st smpp.Status, id []byte) {
	delay := sim.faults.Load().responseDelay
	if delay <= 0 {
		_ = s.Respond(cmd, seq, st, id)
		return
	}
	sim.sched.push(&job{
		due: time.Now().Add(delay).UnixNano(), kind: jobResp,
		s: s, cmd: cmd, seq: seq, status: st, msgID: string(id),
	})
}

func (sim *Sim) receiptDelay() time.Duration {
	d := sim.cfg.ReceiptDelay.Duration
	if max := sim.cfg.ReceiptDelayMax.Duration; max > d {
		d += rand.N(max - d)
	}
	return d
}

func (sim *Sim) pickOutcome() string {
	total := 0
	for _, w := range sim.cfg.Outcomes {
		total += w
	}
	r := rand.IntN(total)
	for _, k := range outcomeWords { // fixed order: deterministic given r
		w := sim.cfg.Outcomes[k]
		if r < w {
			return k
		}
		r -= w
	}
	return "DELIVRD"
}

func (sim *Sim) scheduleReceipts(systemID string, req *smpp.PDU, id string) {
	outcome := sim.pickOutcome()
	// registered_delivery 2 asks for a receipt on failure only.
	if req.RegisteredDelivery&0x03 == 2 && outcome == "DELIVRD" {
		return
	}
	text := req.ShortMessage
	if len(text) > 20 {
		text = text[:20]
	}
	base := job{
		kind: jobReceipt, systemID: systemID, msgID: id,
		src:  smpp.Address{TON: req.Dest.TON, NPI: req.Dest.NPI, Addr: []byte(string(req.Dest.Addr))},
		dst:  smpp.Address{TON: req.Source.TON, NPI: req.Source.NPI, Addr: []byte(string(req.Source.Addr))},
		text: string(text), submitAt: time.Now(),
	}
	delay := sim.receiptDelay()
	if sim.cfg.Enroute {
		j := base
		j.stat = "ENROUTE"
		j.due = time.Now().Add(delay / 2).UnixNano()
		sim.sched.push(&j)
	}
	j := base
	j.stat = outcome
	j.due = time.Now().Add(delay).UnixNano()
	sim.sched.push(&j)
}
