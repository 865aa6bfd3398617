package thrower

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/egress"
	"github.com/gwd-project/gwd/engine/recovery"
	"github.com/gwd-project/gwd/store"
	"github.com/valyala/fasthttp"
)

// DefaultWorkers is how many requests of one kind are in flight at once
// when Config.Workers is 0 (goroutines of a fixed pool, not one per
// callback).
const DefaultWorkers = 256

// Policy is one kind's retry policy as durations.
type Policy struct {
	Timeout    time.Duration // one attempt, connection to answer (http_timeout)
	RetryDelay time.Duration // failed attempt to the next one (retry_delay)
	MaxRetries int           // retries at RetryDelay after the first attempt (max_retries)
	// MaxRetryDelay caps the exponential back-off after MaxRetries
	// (max_retry_delay; 0: RetryDelay, no growth; at most 2^15 ×
	// RetryDelay).
	MaxRetryDelay time.Duration
	// TTL is how long, from its first attempt, a callback is retried
	// before it goes to the dead letters (retry_ttl); 0: after MaxRetries
	// retries, as Jasmin gives up.
	TTL time.Duration
}

// PolicyOf converts a [dlr-thrower] or [deliversm-thrower] section (its
// signing_key aside). An all-zero section (a kind the configuration file
// has no section for: Junebug's events, batch callbacks) gets Jasmin's
// defaults: 30 s, 30 s, 3 retries, and
// gwd's back-off: up to an hour, for a day.
func PolicyOf(t config.Thrower) (Policy, error) {
	if t == (config.Thrower{SigningKey: t.SigningKey}) {
		t = config.Thrower{HTTPTimeoutSecs: 30, RetryDelaySecs: 30, MaxRetries: 3,
			MaxRetryDelaySecs: config.DefaultMaxRetryDelaySecs, RetryTTLHours: config.DefaultRetryTTLHours}
	}
	if t.HTTPTimeoutSecs < 1 || t.RetryDelaySecs < 1 || t.MaxRetries < 0 {
		return Policy{}, fmt.Errorf("http_timeout %d, retry_delay %d, max_retries %d: need at least 1 s, 1 s and 0",
			t.HTTPTimeoutSecs, t.RetryDelaySecs, t.MaxRetries)
	}
	p := Policy{Timeout: t.HTTPTimeout(), RetryDelay: t.RetryDelay(), MaxRetries: t.MaxRetries,
		MaxRetryDelay: t.MaxRetryDelay(), TTL: t.RetryTTL()}
	if err := p.check(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

func (p Policy) check() error {
	if p.Timeout <= 0 || p.RetryDelay < 0 || p.MaxRetries < 0 || p.TTL < 0 {
		return fmt.Errorf("timeout %v, retry delay %v, max retries %d, TTL %v: need a positive timeout and no negatives",
			p.Timeout, p.RetryDelay, p.MaxRetries, p.TTL)
	}
	if p.MaxRetryDelay != 0 && (p.MaxRetryDelay < p.RetryDelay || p.MaxRetryDelay>>config.MaxBackoffLevels > p.RetryDelay) {
		return fmt.Errorf("max retry delay %v: need retry delay %v to 2^%d times it", p.MaxRetryDelay, p.RetryDelay, config.MaxBackoffLevels)
	}
	return nil
}

// Config configures a Thrower.
type Config struct {
	// http_timeout, retry_delay, max_retries and signing_key of each kind
	// (Batch has no section: Jasmin's defaults, unsigned).
	DLR, MO, Event config.Thrower
	// EventSigningKey signs Junebug's callbacks (no configuration key);
	// when it is empty Event.SigningKey does. Empty both: unsigned.
	EventSigningKey string
	// Policies, for the kinds it holds, replaces the policy converted from
	// DLR, MO, Event or Batch's defaults: sub-second delays for tests and benchmarks.
	Policies map[Kind]Policy
	// Workers is how many requests of one kind are in flight at once
	// (default DefaultWorkers, 256; 1 to 4096).
	Workers int
	// PerHost is how many requests of one kind are in flight at once to
	// one destination, host:port (default DefaultPerHost, 64, or Workers
	// if fewer; at most Workers). Callbacks for a destination at its limit wait without
	// holding a worker, so a slow or dead receiver holds at most PerHost
	// workers and the others serve other destinations.
	PerHost int
	// Client makes the requests whose URL an administrator configured
	// (UserURL false; see Guard for the others). nil: one is built per kind (keep-alive,
	// MaxConnsPerHost = PerHost, redirects not followed, answers up to
	// 1 MiB). A shared Client serves DLR, MO and Event (Batch's
	// URLs are always API users'): give it
	// MaxConnsPerHost of at least 3 × PerHost or a MaxConnWaitTimeout, or
	// requests beyond its limit fail (and are retried). Set its
	// DisablePathNormalizing so paths travel (and are signed) as given.
	Client *fasthttp.Client
	// Guard is the rule for URLs API users supplied (Callback.UserURL):
	// their requests go through a client the thrower builds around
	// Guard.DialTimeout, never Client, so a name that resolves to a
	// forbidden address when the connection is made is not connected to.
	// nil: egress.Strict() (public addresses only).
	Guard *egress.Guard
	// Now is the clock for retry times (default time.Now).
	Now func() time.Time
	// Log receives the give-up warnings and store errors (default
	// slog.Default()); attempts are logged at debug level.
	Log *slog.Logger
	// Privacy keeps URLs' query strings out of logs (Jasmin's log_privacy);
	// parameters and bodies are never logged.
	Privacy bool
}

// User agents, as Jasmin's throwers send them (observed), so receivers that
// look at them keep working.
const (
	userAgentDLR   = "Jasmin gateway/1.0 DLRThrower"
	userAgentMO    = "Jasmin gateway/1.0 deliverSmHttpThrower"
	userAgentEvent = "gwd/1.0"
	userAgentBatch = "gwd batch" // what gwd's batch callbacks sent before they were thrown
)

// maxAnswer is the largest answer body a built client reads.
const maxAnswer = 1 << 20

// ErrClosed is returned by Throw after Close.
var ErrClosed = errors.New("thrower: closed")

// Thrower delivers callbacks from durable queues.
type Thrower struct {
	log     *slog.Logger
	privacy bool
	now     func() time.Time
	lanes   [numKinds]*lane

	closed    atomic.Bool
	stop      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
	encs      sync.Pool // *encoder
}

// lane is one kind's queue, policy, client and workers.
type lane struct {
	t         *Thrower
	kind      Kind
	q         *store.Queue
	pol       Policy
	client    *fasthttp.Client
	ownClient bool
	userAgent string
	signKey   []byte // nil: unsigned
	perHost   int
	jobs      chan job
	wake      chan struct{}

	// retry holds the kind's retries by back-off level (retryQueueName),
	// on disk; filled has bit k set when retry[k] may have a head the
	// feeder has not taken. dead is the kind's dead letters.
	retry  [numLevels]*store.Queue
	filled atomic.Uint32
	dead   *store.DeadLetters

	// userClient makes the requests of Callback.UserURL callbacks: its
	// connections go through the Guard's dialer.
	userClient *fasthttp.Client

	mu      sync.Mutex       // guards dests and sweepAt
	dests   map[string]*dest // by host:port
	sweepAt int

	waiting   atomic.Int64 // parked: their destination is at its limit
	inFlight  atomic.Int64
	delivered atomic.Uint64
	retries   atomic.Uint64
	failed    atomic.Uint64
	deferred  atomic.Uint64
	trips     atomic.Uint64
	corrupt   atomic.Uint64
	lastErr   atomic.Pointer[lastError]
}

type lastError struct {
	msg string
	at  time.Time
}

// encoder is Throw's reusable record buffer.
type encoder struct {
	buf  []byte
	msgs [1]store.NewMsg
}

// Resident callbacks per queue: what a backlog may hold in memory, the
// rest waiting on disk (store.Queue.SetMaxResident).
const (
	mainResident  = 8192
	retryResident = 256
)

// retryQueueName is the store queue of kind's retries at level k:
// "throw/dlr/r0" … "throw/dlr/r15".
func retryQueueName(kind Kind, k int) string {
	return "throw/" + kind.String() + "/r" + strconv.Itoa(k)
}

// Open starts delivering from the queues "throw/dlr", "throw/mo",
// "throw/event" and "throw/batch" of db and their retry queues (retryQueueName), resuming
// what they held before a restart (callbacks due for a retry wait for
// their stored time), with the dead letters of each kind. Close the
// Thrower before db.
func Open(db *store.DB, cfg Config) (*Thrower, error) {
	if db == nil {
		return nil, errors.New("open thrower: nil store")
	}
	workers := cfg.Workers
	if workers == 0 {
		workers = DefaultWorkers
	}
	if workers < 0 || workers > 4096 {
		return nil, fmt.Errorf("open thrower: workers %d: must be 1 to 4096", workers)
	}
	perHost := cfg.PerHost
	if perHost == 0 {
		perHost = min(DefaultPerHost, workers)
	}
	if perHost < 0 || perHost > workers {
		return nil, fmt.Errorf("open thrower: per-host %d: must be 1 to workers (%d)", perHost, workers)
	}
	t := &Thrower{log: cfg.Log, privacy: cfg.Privacy, now: cfg.Now, stop: make(chan struct{})}
	if t.log == nil {
		t.log = slog.Default()
	}
	if t.now == nil {
		t.now = time.Now
	}
	t.encs.New = func() any { return new(encoder) }
	sections := [numKinds]config.Thrower{cfg.DLR, cfg.MO, cfg.Event, {}}
	agents := [numKinds]string{userAgentDLR, userAgentMO, userAgentEvent, userAgentBatch}
	eventKey := cfg.EventSigningKey
	if eventKey == "" {
		eventKey = cfg.Event.SigningKey
	}
	keys := [numKinds]string{cfg.DLR.SigningKey, cfg.MO.SigningKey, eventKey, ""}
	for i := range t.lanes {
		k := Kind(i + 1)
		pol, ok := cfg.Policies[k]
		var err error
		if ok {
			err = pol.check()
		} else {
			pol, err = PolicyOf(sections[i])
		}
		if err != nil {
			return nil, fmt.Errorf("open thrower: %s policy: %w", k, err)
		}
		t.lanes[i] = &lane{t: t, kind: k, pol: pol, client: cfg.Client, userAgent: agents[i], perHost: perHost,
			jobs: make(chan job), wake: make(chan struct{}, 1), dests: make(map[string]*dest), sweepAt: minSweep}
		if keys[i] != "" {
			t.lanes[i].signKey = []byte(keys[i])
		}
	}
	eg := cfg.Guard
	if eg == nil {
		eg = egress.Strict()
	}
	for _, l := range t.lanes {
		q, err := db.Queue("throw/" + l.kind.String())
		if err != nil {
			return nil, fmt.Errorf("open thrower: %w", err)
		}
		l.q = q
		l.q.SetMaxResident(mainResident)
		for k := range l.retry {
			if l.retry[k], err = db.Queue(retryQueueName(l.kind, k)); err != nil {
				return nil, fmt.Errorf("open thrower: %w", err)
			}
			l.retry[k].SetMaxResident(retryResident)
		}
		l.filled.Store(1<<numLevels - 1) // look at every head once
		if l.dead, err = db.DeadLetters(l.kind.String()); err != nil {
			return nil, fmt.Errorf("open thrower: %w", err)
		}
		if l.client == nil {
			l.client, l.ownClient = newClient(perHost, l.pol.Timeout), true
		}
		l.userClient = newClient(perHost, l.pol.Timeout)
		l.userClient.DialTimeout = eg.DialTimeout
	}
	registerMetrics()
	for _, l := range t.lanes {
		setSource(l)
		t.wg.Add(1 + workers)
		go func() {
			defer l.t.wg.Done()
			defer close(l.jobs)
			recovery.Loop("thrower", l.t.log, l.t.stop, l.feed)
		}()
		for range workers {
			go l.work()
		}
	}
	return t, nil
}

func newClient(perHost int, timeout time.Duration) *fasthttp.Client {
	return &fasthttp.Client{
		NoDefaultUserAgentHeader: true,
		MaxConnsPerHost:          perHost,
		MaxConnWaitTimeout:       timeout,
		MaxResponseBodySize:      maxAnswer,
		DisablePathNormalizing:   true,
	}
}

// Throw stores cb durably and calls done (which may be nil) once it is in
// the store, or with the reason it is not: an invalid callback (ErrInvalid,
// nothing stored), ErrClosed, or the store's error. It never blocks for the
// store; delivery follows in the background. cb may be reused once Throw
// returns.
func (t *Thrower) Throw(cb *Callback, done func(error)) {
	method, accept, err := cb.check()
	if err == nil && t.closed.Load() {
		err = ErrClosed
	}
	if err != nil {
		if done != nil {
			done(err)
		}
		return
	}
	l := t.lanes[cb.Kind-1]
	kind, ref := cb.Kind, cb.Ref
	e := t.encs.Get().(*encoder)
	e.buf = appendRecord(e.buf[:0], cb, method, accept)
	e.msgs[0] = store.NewMsg{Payload: e.buf}
	// Append copies the payload before it returns.
	l.q.Append(e.msgs[:], store.Write{}, func(_ []uint64, err error) {
		if done == nil {
			return
		}
		if err != nil {
			err = fmt.Errorf("store %s callback %s: %w", kind, ref, err)
		}
		done(err)
	})
	e.msgs[0] = store.NewMsg{}
	if cap(e.buf) <= 64<<10 {
		t.encs.Put(e)
	}
}

// KindStats counts one kind's callbacks since Open.
type KindStats struct {
	Queued      int    // in the store: waiting, in flight or waiting to retry
	InFlight    int    // requests being made now
	Waiting     int    // ready, held back: their destination is at PerHost
	Delivered   uint64 // accepted by their receiver
	Retries     uint64 // failed attempts that will be retried
	Failed      uint64 // given up (retry_ttl, or max_retries when it is 0): moved to the dead letters
	Deferred    uint64 // put off without an attempt: their destination was down or full
	Trips       uint64 // times a destination's breaker opened (or its probe failed)
	DeadLetters int    // dead letters stored now
	Corrupt     uint64 // stored records that did not decode, dropped
	LastError   string // the last failed attempt's reason
	LastErrorAt time.Time
}

// queued counts the kind's callbacks in the store, retries included.
func (l *lane) queued() int {
	n := l.q.Stats().Total()
	for _, q := range l.retry {
		n += q.Stats().Total()
	}
	return n
}

// Stats is every kind's KindStats.
type Stats struct{ DLR, MO, Event, Batch KindStats }

// Stats returns the counters, for jCli's stats and the admin API.
func (t *Thrower) Stats() Stats {
	var out [numKinds]KindStats
	for i, l := range t.lanes {
		s := KindStats{
			Queued:      l.queued(),
			InFlight:    int(l.inFlight.Load()),
			Waiting:     int(l.waiting.Load()),
			Delivered:   l.delivered.Load(),
			Retries:     l.retries.Load(),
			Failed:      l.failed.Load(),
			Deferred:    l.deferred.Load(),
			Trips:       l.trips.Load(),
			DeadLetters: l.dead.Len(),
			Corrupt:     l.corrupt.Load(),
		}
		if e := l.lastErr.Load(); e != nil {
			s.LastError, s.LastErrorAt = e.msg, e.at
		}
		out[i] = s
	}
	return Stats{DLR: out[0], MO: out[1], Event: out[2], Batch: out[3]}
}

// Close stops delivery and returns once no request is in flight (an
// attempt under way finishes first, within its http_timeout, and its
// outcome is stored). Undelivered callbacks, those waiting for their
// destination included, stay in the store for the next Open. Throw after Close reports ErrClosed.
func (t *Thrower) Close() error {
	t.closeOnce.Do(func() {
		t.closed.Store(true)
		close(t.stop)
		t.wg.Wait()
		for _, l := range t.lanes {
			l.unparkAll()
			clearSource(l)
			if l.ownClient {
				l.client.CloseIdleConnections()
			}
			l.userClient.CloseIdleConnections()
		}
	})
	return nil
}
