package authguard

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newTestGuard(t *testing.T, cfg Config) (*Guard, *clock) {
	c := &clock{t: time.Unix(1_000_000, 0)}
	cfg.Now = c.now
	g := New(cfg)
	t.Cleanup(g.Close)
	return g, c
}

func run(t *testing.T, g *Guard, src netip.Addr, user string, r Result) error {
	t.Helper()
	return g.Run(src, user, func() Result { return r })
}

// Back-off per source: free failures, then refusals that double up to
// the cap, without running the check; a success forgets.
func TestBackoffPerSource(t *testing.T) {
	g, c := newTestGuard(t, Config{FreeFailures: 3, BaseBackoff: time.Second, MaxBackoff: 4 * time.Second})
	a := netip.MustParseAddr("192.0.2.1")
	for i := range 3 {
		if err := run(t, g, a, "u"+strconv.Itoa(i), Failed); err != nil {
			t.Fatalf("free failure %d refused: %v", i, err)
		}
	}
	if err := run(t, g, a, "u9", Failed); err != nil { // 4th: runs, bars for 1 s
		t.Fatal(err)
	}
	checks := g.Stats.Checks.Load()
	err := run(t, g, a, "other", Passed)
	var rf *Refused
	if !errors.As(err, &rf) || rf.Busy || rf.RetryAfter != time.Second || rf.RetryAfterHeader() != "1" || !errors.Is(err, ErrRefused) {
		t.Fatalf("barred: %v", err)
	}
	if g.Stats.Checks.Load() != checks {
		t.Fatal("a refused attempt ran its check")
	}
	// Another source is not barred.
	if err := run(t, g, netip.MustParseAddr("192.0.2.2"), "other", Passed); err != nil {
		t.Fatal(err)
	}
	// Doubling up to the cap.
	for _, want := range []time.Duration{2 * time.Second, 4 * time.Second, 4 * time.Second} {
		c.add(5 * time.Second) // past the back-off, within the memory (2 × max)
		if err := run(t, g, a, "x", Failed); err != nil {
			t.Fatal(err)
		}
		err := g.Start(a, "y", func() Result { return Passed })
		if !errors.As(err, &rf) || rf.RetryAfter != want {
			t.Fatalf("back-off %v, want %v", err, want)
		}
	}
	// A success forgets.
	c.add(5 * time.Second)
	if err := run(t, g, a, "x", Passed); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := run(t, g, a, "x", Failed); err != nil {
			t.Fatal("failures counted from before the success")
		}
	}
}

// Back-off per username, whatever the source (IPv6 sources by /64).
func TestBackoffPerUsername(t *testing.T) {
	g, _ := newTestGuard(t, Config{FreeFailures: 2, MaxBackoff: time.Minute})
	for i := range 3 {
		src := netip.AddrFrom4([4]byte{198, 51, 100, byte(i)})
		if err := run(t, g, src, "alice", Failed); err != nil {
			t.Fatal(err)
		}
	}
	if err := run(t, g, netip.MustParseAddr("203.0.113.9"), "alice", Passed); err == nil {
		t.Fatal("username not backed off")
	}
	if err := run(t, g, netip.MustParseAddr("203.0.113.9"), "bob", Passed); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		src := netip.MustParseAddr("2001:db8:1:2::" + strconv.Itoa(i+1))
		_ = run(t, g, src, "u"+strconv.Itoa(i), Failed)
	}
	if err := run(t, g, netip.MustParseAddr("2001:db8:1:2:ffff::1"), "z", Passed); err == nil {
		t.Fatal("another address of the same /64 is not backed off")
	}
	if err := run(t, g, netip.MustParseAddr("2001:db8:1:3::1"), "z", Passed); err != nil {
		t.Fatal("another /64 is backed off")
	}
}

// A full queue refuses at once; nothing runs more checks at a time than
// there are workers.
func TestPoolBounded(t *testing.T) {
	g, _ := newTestGuard(t, Config{Workers: 1, Queue: 2, FreeFailures: 1000})
	release := make(chan struct{})
	var mu sync.Mutex
	running, most, done := 0, 0, 0
	job := func() Result {
		mu.Lock()
		running++
		most = max(most, running)
		mu.Unlock()
		<-release
		mu.Lock()
		running--
		done++
		mu.Unlock()
		return Passed
	}
	started := 0
	var refused *Refused
	for i := range 10 {
		err := g.Start(netip.Addr{}, "u"+strconv.Itoa(i), job)
		if err == nil {
			started++
		} else if !errors.As(err, &refused) || !refused.Busy {
			t.Fatal(err)
		}
	}
	// One may be on the worker already, two in the queue.
	if started < 2 || started > 3 || g.Stats.RefusedBusy.Load() != uint64(10-started) {
		t.Fatalf("started %d, refused %d", started, g.Stats.RefusedBusy.Load())
	}
	close(release)
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		d := done
		mu.Unlock()
		if d == started || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if most != 1 || done != started {
		t.Fatalf("%d checks ran at once with 1 worker", most)
	}
}

// Spraying keys never grows a table past its size.
func TestTableBounded(t *testing.T) {
	g, _ := newTestGuard(t, Config{FreeFailures: 1, TableSize: 64})
	barred := netip.MustParseAddr("192.0.2.7")
	for range 5 {
		g.record(barred, "", Failed)
	}
	for i := range 10_000 {
		g.record(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), "user"+strconv.Itoa(i), Failed)
	}
	if n, m := g.srcs.len(), g.users.len(); n > 64 || m > 64 {
		t.Fatalf("tables hold %d sources, %d usernames; size 64", n, m)
	}
}

// One source cannot hold more than its share of the queue, even before
// any of its checks has failed; other sources still get in.
func TestPerSourceInflightCap(t *testing.T) {
	g, _ := newTestGuard(t, Config{Workers: 1, Queue: 256})
	release := make(chan struct{})
	defer close(release)
	job := func() Result { <-release; return Failed }
	a := netip.MustParseAddr("192.0.2.1")
	accepted := 0
	for i := range 100 {
		if g.Start(a, "u"+strconv.Itoa(i), job) == nil {
			accepted++
		}
	}
	if accepted != g.inflight || g.inflight != 16 {
		t.Fatalf("one source got %d checks in flight, want %d (of a queue of 256)", accepted, g.inflight)
	}
	if err := g.Start(netip.MustParseAddr("192.0.2.2"), "v", job); err != nil {
		t.Fatalf("another source: %v", err)
	}
}

// Failed checks may take FailurePercent of the workers' time: after the
// burst, attempts are refused (Budget) without running until the share
// refills, except one at a time from a source with no failure on
// record; passing checks cost nothing from it; 100 is no cap.
func TestFailureBudget(t *testing.T) {
	const kdf = 100 * time.Millisecond
	g, c := newTestGuard(t, Config{Workers: 1, FailurePercent: 10, FailureBurst: 10 * time.Second, FreeFailures: 1000})
	fail := func() Result { c.add(kdf); return Failed }
	src := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}) }

	// The burst: 10 s at 10 % is 1 s of failed checks, about ten.
	n := 0
	var err error
	for ; n < 100; n++ {
		if err = g.Run(src(1), "u"+strconv.Itoa(n), fail); err != nil {
			break
		}
	}
	var rf *Refused
	if n < 10 || n > 12 || !errors.As(err, &rf) || !rf.Budget || !rf.Busy || rf.RetryAfter <= 0 || rf.RetryAfter > 2*kdf*10 {
		t.Fatalf("after %d failed checks of 100 ms: %v (%+v); want a budget refusal after 10 to 12", n, err, rf)
	}
	if !strings.Contains(err.Error(), "share of the workers") {
		t.Errorf("refusal says %q", err)
	}
	// Over budget, a right password from a source that has failed is
	// refused too, without running: what the cap costs a first login
	// from an address that shares in the flood.
	checks := g.Stats.Checks.Load()
	if err := run(t, g, src(1), "legit", Passed); !errors.As(err, &rf) || !rf.Budget {
		t.Fatalf("first login over budget from a failing source: %v", err)
	}
	if g.Stats.Checks.Load() != checks || g.Stats.RefusedBudget.Load() != 2 {
		t.Fatalf("checks %d→%d, refused for budget %d", checks, g.Stats.Checks.Load(), g.Stats.RefusedBudget.Load())
	}
	// A source with no failure on record gets one check at a time.
	release, running := make(chan struct{}), make(chan struct{})
	if err := g.Start(src(100), "legit", func() Result { close(running); <-release; return Passed }); err != nil {
		t.Fatalf("first login over budget from a clean source: %v", err)
	}
	<-running
	if err := g.Start(src(100), "legit", func() Result { return Passed }); !errors.As(err, &rf) || !rf.Budget {
		t.Fatalf("a second check in flight from the clean source over budget: %v", err)
	}
	close(release)
	// The next login, once the worker has recorded the first (its
	// success keeps the source clean).
	for i := 0; ; i++ {
		err := run(t, g, src(100), "legit", Passed)
		if err == nil {
			break
		}
		if i == 200 {
			t.Fatalf("clean source, next login: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// One that fails is no longer clean.
	if err := g.Run(src(101), "x", fail); err != nil {
		t.Fatalf("fresh source over budget: %v", err)
	}
	if err := run(t, g, src(101), "legit", Passed); !errors.As(err, &rf) || !rf.Budget {
		t.Fatalf("over budget, a source that just failed: %v", err)
	}
	// Fresh addresses buy at most one more burst (1 s of checks, about
	// ten); then even a clean one is refused until the share refills.
	fresh := 0
	for ; fresh < 100; fresh++ {
		if g.Run(src(110+fresh), "x", fail) != nil {
			break
		}
	}
	if fresh > 11 {
		t.Fatalf("%d failed checks from fresh addresses over budget; want one more burst, about ten", fresh)
	}
	if err := run(t, g, src(250), "legit", Passed); !errors.As(err, &rf) || !rf.Budget {
		t.Fatalf("clean source two bursts over budget: %v", err)
	}
	// Once Retry-After has passed anyone gets in, and passing checks
	// spend nothing: many in a row all run.
	c.add(g.overBudget(c.now()))
	for i := range 50 {
		if err := g.Run(src(1), "legit", func() Result { c.add(kdf); return Passed }); err != nil {
			t.Fatalf("passing check %d: %v", i, err)
		}
	}

	// Sustained: over 100 s of attempts, failed checks take 10 % of the
	// worker, plus at most the burst.
	var spent time.Duration
	start := c.now()
	for c.now().Sub(start) < 100*time.Second {
		if err := g.Run(src(1), "x", fail); err != nil {
			c.add(10 * time.Millisecond)
			continue
		}
		spent += kdf
	}
	if spent < 9*time.Second || spent > 11*time.Second+time.Second {
		t.Errorf("failed checks took %v of 100 s; want about 10 s (10 %%) plus at most the 1 s burst", spent)
	}

	// 100 %: no cap.
	g2, c2 := newTestGuard(t, Config{Workers: 1, FailurePercent: 100, FreeFailures: 1000})
	for i := range 200 {
		if err := g2.Run(src(i), "u"+strconv.Itoa(i), func() Result { c2.add(kdf); return Failed }); err != nil {
			t.Fatalf("no cap: failed check %d refused: %v", i, err)
		}
	}
}

// len is the number of keys t remembers.
func (t *table[K]) len() int {
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}

// StartThen answers after the Result is recorded: an attempt made from
// the answer of the failure that earned a back-off meets that back-off.
func TestStartThenAnswersAfterRecording(t *testing.T) {
	g, _ := newTestGuard(t, Config{FreeFailures: 1, BaseBackoff: time.Minute})
	a := netip.MustParseAddr("192.0.2.1")
	if err := run(t, g, a, "u", Failed); err != nil { // the free failure
		t.Fatal(err)
	}
	next := make(chan error, 1)
	if err := g.StartThen(a, "u", func() Result { return Failed }, func(r Result) {
		if r != Failed {
			t.Errorf("then got %v", r)
		}
		next <- g.Start(a, "u", func() Result { return Passed })
	}); err != nil {
		t.Fatal(err)
	}
	var rf *Refused
	if err := <-next; !errors.As(err, &rf) || rf.Busy {
		t.Fatalf("the attempt after the answer: %v, want a back-off refusal", err)
	}
}
