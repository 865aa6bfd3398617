package authguard

import (
	"errors"
	"hash/maphash"
	"net/netip"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gwd-project/gwd/engine/recovery"
	"github.com/gwd-project/gwd/router"
)

// Config sizes a Guard. Zero values mean the defaults.
type Config struct {
	// Workers is the number of goroutines that run KDFs. Default
	// max(1, GOMAXPROCS/2): a flood of wrong passwords takes at most half
	// the CPU, the rest stays with the event loops and the store.
	Workers int
	// Queue is how many checks may wait for a worker; one more is refused
	// at once. Default 256.
	Queue int
	// FreeFailures is how many failed checks a source address or a
	// username may make before it is backed off. Default 5.
	FreeFailures int
	// BaseBackoff is the first back-off, doubled per further failure up to
	// MaxBackoff. Defaults 1 s and 5 minutes.
	BaseBackoff, MaxBackoff time.Duration
	// TableSize is the most source addresses, and the most usernames,
	// remembered. Default 65,536 each.
	TableSize int
	// FailurePercent caps the worker time that checks which fail may
	// take: at most this percent of the workers' time, averaged (after a
	// burst of FailureBurst of that budget); once it is spent, every
	// attempt that needs a check is refused at once (Refused.Budget)
	// until it refills, so that a flood of wrong passwords from more
	// sources than the back-off can bar takes at most this share of the
	// KDF workers' CPU. Checks that pass cost nothing from it. Even
	// then, a source address with no failure on record may have one
	// check in flight, so that a client that has not been failing can
	// still log in for the first time, until failures have overspent
	// by one more burst: fresh addresses in a flood buy at most that.
	// 100: no cap. Default 10.
	FailurePercent int
	// FailureBurst is how long, at FailurePercent, the budget takes to
	// fill: after a quiet period, failures may take up to FailureBurst ×
	// FailurePercent / 100 of worker time at once. Default 10 s.
	FailureBurst time.Duration
	// Wait bounds how long a synchronous check (Run) waits for its answer
	// once queued. Default 30 s.
	Wait time.Duration
	// Now is the clock (tests). Default time.Now.
	Now func() time.Time
}

func (c *Config) defaults() {
	if c.Workers <= 0 {
		c.Workers = max(1, runtime.GOMAXPROCS(0)/2)
	}
	if c.Queue <= 0 {
		c.Queue = 256
	}
	if c.FreeFailures <= 0 {
		c.FreeFailures = 5
	}
	if c.BaseBackoff <= 0 {
		c.BaseBackoff = time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 5 * time.Minute
	}
	c.MaxBackoff = max(c.MaxBackoff, c.BaseBackoff)
	if c.TableSize <= 0 {
		c.TableSize = 65536
	}
	if c.FailurePercent <= 0 {
		c.FailurePercent = 10
	}
	c.FailurePercent = min(c.FailurePercent, 100)
	if c.FailureBurst <= 0 {
		c.FailureBurst = 10 * time.Second
	}
	if c.Wait <= 0 {
		c.Wait = 30 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Result is what a check found.
type Result uint8

// Results of a check.
const (
	Skipped Result = iota // not run (the client went away): counts nothing
	Passed                // the secret was right: forgets the failures
	Failed                // the secret was wrong: counts a failure
)

// Stats are a Guard's counters.
type Stats struct {
	Checks        atomic.Uint64 // checks the workers ran
	RefusedBusy   atomic.Uint64 // refused: the queue was full
	RefusedBarred atomic.Uint64 // refused: source or username backed off
	RefusedBudget atomic.Uint64 // refused: failed checks took their share
}

// Guard is the shared pool and its back-off tables.
type Guard struct {
	Stats Stats

	cfg    Config
	q      chan task
	stop   chan struct{}
	closed sync.Once
	srcs   *table[netip.Addr]
	users  *table[string]
	// inflight is the most checks one source may have queued or
	// running: max(FreeFailures, Queue/16).
	inflight int
	// failTAT is the failure budget as a GCRA: the time (Unix ns) at
	// which the failed checks so far would be paid for at
	// FailurePercent of the workers; attempts are refused while it is
	// more than FailureBurst ahead of now. failCost is the ns it moves
	// per ns of failed check; 0 when there is no cap.
	failTAT  atomic.Int64
	failCost float64
}

type task struct {
	src  netip.Addr
	user string
	fn   func() Result
	then func(Result)  // StartThen's answer, once fn's Result is recorded
	done chan struct{} // closed once fn has run and been recorded (Run)
}

// New starts a Guard's workers; Close stops them.
func New(cfg Config) *Guard {
	cfg.defaults()
	g := &Guard{cfg: cfg, q: make(chan task, cfg.Queue), stop: make(chan struct{})}
	g.srcs = newTable(&g.cfg, cfg.TableSize, hashAddr)
	g.users = newTable(&g.cfg, cfg.TableSize, hashString)
	g.inflight = max(cfg.FreeFailures, cfg.Queue/16)
	if cfg.FailurePercent < 100 {
		g.failCost = 100 / float64(cfg.FailurePercent*cfg.Workers)
	}
	for range cfg.Workers {
		go g.work()
	}
	return g
}

// Close stops the workers; checks still queued are dropped unrun.
func (g *Guard) Close() { g.closed.Do(func() { close(g.stop) }) }

// Config returns the configuration in force (defaults applied).
func (g *Guard) Config() Config { return g.cfg }

func (g *Guard) work() {
	for {
		select {
		case t := <-g.q:
			g.Stats.Checks.Add(1)
			r := Skipped
			t0 := g.cfg.Now()
			// A check that panics (a bug) counts as neither success nor
			// failure; the worker and its waiter go on.
			recovery.Run("authguard", nil, func() { r = t.fn() })
			t1 := g.cfg.Now()
			g.record(t.src, t.user, r)
			if r == Failed && g.failCost > 0 {
				g.spend(t0, t1)
			}
			if t.then != nil {
				recovery.Run("authguard", nil, func() { t.then(r) })
			}
			if t.done != nil {
				close(t.done)
			}
		case <-g.stop:
			return
		}
	}
}

// spend charges the failure budget with a failed check that ran from t0
// to t1.
func (g *Guard) spend(t0, t1 time.Time) {
	cost := int64(float64(t1.Sub(t0)) * g.failCost)
	now := t1.UnixNano()
	for {
		old := g.failTAT.Load()
		if g.failTAT.CompareAndSwap(old, max(old, now)+cost) {
			return
		}
	}
}

// overBudget is how long failed checks have overspent their share (0:
// within it).
func (g *Guard) overBudget(now time.Time) time.Duration {
	if g.failCost == 0 {
		return 0
	}
	return max(0, time.Duration(g.failTAT.Load()-now.UnixNano())-g.cfg.FailureBurst)
}

// record updates the back-off tables with a check's result.
func (g *Guard) record(src netip.Addr, user string, r Result) {
	if src.IsValid() {
		g.srcs.release(src)
	}
	switch r {
	case Passed:
		if src.IsValid() {
			g.srcs.succeed(src)
		}
		g.users.succeed(user)
	case Failed:
		now := g.cfg.Now()
		if src.IsValid() {
			g.srcs.fail(src, now)
		}
		g.users.fail(user, now)
	}
}

// Start queues fn, the slow check of an attempt from src (the zero Addr
// when unknown) for username, to run on a worker, and returns at once: a
// *Refused when src or username is backed off, src already has its share
// of checks in flight, failed checks have taken their share of the
// workers (Config.FailurePercent; a src with no failure on record may
// then still have one check in flight, up to one more burst), or the
// queue is full (fn then never runs). fn's Result feeds the back-off tables. username is
// copied; src is reduced to its /64 for IPv6.
func (g *Guard) Start(src netip.Addr, username string, fn func() Result) error {
	return g.start(src, username, fn, nil, nil)
}

// StartThen is Start whose caller answers the attempt in then, which runs
// on the worker once fn's Result is in the back-off tables: a client that
// retries as soon as it has its answer meets the back-off its failure
// earned (answering from fn, it could beat the bookkeeping).
func (g *Guard) StartThen(src netip.Addr, username string, fn func() Result, then func(Result)) error {
	return g.start(src, username, fn, then, nil)
}

func (g *Guard) start(src netip.Addr, username string, fn func() Result, then func(Result), done chan struct{}) error {
	src = sourceKey(src)
	now := g.cfg.Now()
	// Over the failure budget, only a source with no failure on record
	// may still start a check, one at a time, and only until failures
	// have overspent by one more burst: a first login from a client
	// that has not been failing gets through a flood from others, and a
	// flood of fresh addresses buys at most that burst.
	over := g.overBudget(now)
	limit := g.inflight
	if over > 0 {
		limit = 1
	}
	wait, busy, clean := g.users.barred(username, now), false, false
	if wait == 0 && src.IsValid() {
		wait, busy, clean = g.srcs.acquire(src, now, limit)
	}
	if wait > 0 {
		g.Stats.RefusedBarred.Add(1)
		return &Refused{RetryAfter: wait}
	}
	if over > 0 && (!clean || busy || over > g.cfg.FailureBurst) {
		if src.IsValid() && !busy {
			g.srcs.release(src) // acquire counted it in flight
		}
		g.Stats.RefusedBudget.Add(1)
		return &Refused{RetryAfter: over, Busy: true, Budget: true}
	}
	if !busy {
		select {
		case g.q <- task{src: src, user: string([]byte(username)), fn: fn, then: then, done: done}:
			return nil
		default:
			if src.IsValid() {
				g.srcs.release(src)
			}
		}
	}
	g.Stats.RefusedBusy.Add(1)
	return &Refused{RetryAfter: time.Second, Busy: true}
}

// Run is Start that waits for fn to have run (at most Config.Wait, then
// a *Refused): for callers on their own goroutine (an HTTP handler, a
// telnet session), never for an event loop.
func (g *Guard) Run(src netip.Addr, username string, fn func() Result) error {
	done := make(chan struct{})
	err := g.start(src, username, fn, nil, done)
	if err != nil {
		return err
	}
	t := time.NewTimer(g.cfg.Wait)
	defer t.Stop()
	select {
	case <-done:
		return nil
	case <-t.C:
		g.Stats.RefusedBusy.Add(1)
		return &Refused{RetryAfter: time.Second, Busy: true}
	case <-g.stop:
		return &Refused{RetryAfter: time.Second, Busy: true}
	}
}

// ErrRefused matches every *Refused with errors.Is.
var ErrRefused = errors.New("authentication attempts refused")

// RefusedBody is the text of every refusal: the same for a full queue and
// for a back-off, so that neither tells which usernames exist.
const RefusedBody = "Too many authentication attempts, retry later"

// Refused is an attempt refused without checking its secret: its source
// address or username is backed off, or the pool is full. HTTP answers
// 429 with Retry-After; SMPP ESME_RBINDFAIL.
type Refused struct {
	RetryAfter time.Duration
	Busy       bool // the pool was busy: the queue full, or Budget (else: back-off)
	Budget     bool // failed checks had taken their share of the workers
}

func (e *Refused) Error() string {
	why := "backed off"
	switch {
	case e.Budget:
		why = "failed password checks over their share of the workers"
	case e.Busy:
		why = "password checks queue full"
	}
	return "authentication attempt refused (" + why + "), retry after " + e.RetryAfterHeader() + " s"
}

// Is makes errors.Is(err, ErrRefused) true.
func (e *Refused) Is(target error) bool { return target == ErrRefused }

// Kind is router.RefusedBackoff.
func (e *Refused) Kind() router.RefusalKind { return router.RefusedBackoff }

// Text is RefusedBody.
func (e *Refused) Text() string { return RefusedBody }

// RetryAfterHeader is the Retry-After value: whole seconds, at least 1.
func (e *Refused) RetryAfterHeader() string {
	s := int64((e.RetryAfter + time.Second - 1) / time.Second)
	return strconv.FormatInt(max(s, 1), 10)
}

// sourceKey is the back-off key of a source address: IPv4 as it is (an
// IPv4-mapped IPv6 address unmapped), IPv6 its /64, the smallest block a
// client is commonly given.
func sourceKey(a netip.Addr) netip.Addr {
	if !a.IsValid() {
		return a
	}
	a = a.Unmap()
	if a.Is6() {
		p, err := a.WithZone("").Prefix(64)
		if err == nil {
			return p.Addr()
		}
	}
	return a
}

// seed keys the tables' hashes, so that nobody can aim at one shard.
var seed = maphash.MakeSeed()

func hashAddr(a netip.Addr) uint32 { return uint32(maphash.Comparable(seed, a)) }

func hashString(s string) uint32 { return uint32(maphash.String(seed, s)) }

// UserResult is the Result of a router.Accounts.Authenticate error: a
// wrong password or an unknown username fails; a right password passes,
// even when the user or group turns out to be disabled.
func UserResult(err error) Result {
	var ae *router.AuthError
	if errors.As(err, &ae) && (ae.Reason == router.AuthUnknownUser || ae.Reason == router.AuthBadPassword) {
		return Failed
	}
	return Passed
}
