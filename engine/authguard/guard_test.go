package authguard

import (
	"errors"
	"net/netip"
	"strconv"
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
