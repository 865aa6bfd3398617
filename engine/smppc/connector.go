package smppc

import (
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gwd-project/gwd/engine/pump"
	"github.com/gwd-project/gwd/engine/recovery"
	"github.com/gwd-project/gwd/engine/session"
	"github.com/gwd-project/gwd/netio"
	"github.com/gwd-project/gwd/store"
)

// Dialers gives the connector a dialer for plain or TLS links.
type Dialers interface {
	Dialer(ssl bool) (*netio.Dialer, error)
}

// Connector is one SMPP client connector.
type Connector struct {
	cid     string
	cfg     atomic.Pointer[Config]
	link    atomic.Pointer[link] // cfg's link defaults, encoded once
	q       *store.Queue
	sink    Sink
	dialers Dialers
	log     *slog.Logger
	app     *app

	pump *pump.Pump[Outcome]

	// capMsgs and capBytes are the queue caps of -1 (SetQueueDefaults).
	capMsgs, capBytes atomic.Int64

	mu      sync.Mutex
	running bool
	starts  int
	stops   int
	binds   []*bind
	stop    chan struct{}
	wg      sync.WaitGroup
	resent  map[uint64]bool // queue seq → resent once after a timeout
	nResent atomic.Int64    // len(resent): settle takes mu only when > 0

	pausedUntil atomic.Int64 // unix ns: every bind that can submit is paused (pauseBind)
	rr          atomic.Uint32
	tb          tokenBucket // the pump's goroutine's

	tls tlsCache

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

// New makes a stopped connector sending from queue q.
func New(cfg Config, q *store.Queue, sink Sink, d Dialers, log *slog.Logger) *Connector {
	if log == nil {
		log = slog.Default()
	}
	c := &Connector{cid: cfg.CID, q: q, sink: sink, dialers: d, log: log.With("cid", cfg.CID),
		resent: map[uint64]bool{}}
	c.setConfig(&cfg)
	c.applyQueueCaps(&cfg) // -1: no cap until SetQueueDefaults
	c.Stats.Created.Store(time.Now().UnixNano())
	c.app = &app{c: c}
	c.pump = pump.New[Outcome](q, submits{c}, &c.Stats.SubmitSent, c.log)
	q.OnExpire(c.expired)
	return c
}

// CID is the connector id.
func (c *Connector) CID() string { return c.cid }

// Config returns the current configuration.
func (c *Connector) Config() Config { return *c.cfg.Load() }

// Queue is the connector's durable MT queue.
func (c *Connector) Queue() *store.Queue { return c.q }

// Update applies a new configuration. Keys that need a restart (see
// NeedsRestart) take effect at the next Start; the others at once.
func (c *Connector) Update(cfg Config) {
	cfg.CID = c.cid
	c.setConfig(&cfg)
	c.applyQueueCaps(&cfg)
	c.pump.Signal()
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
		c.tb = tokenBucket{}
		c.wg.Add(1)
		go func(stop chan struct{}) {
			defer c.wg.Done()
			recovery.Loop("smppc", c.log, stop, func() { c.pump.Run(stop) })
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
