package gateway

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/smpp"
)

// authEnv is a gateway with users and no connector, for bind tests.
func authEnv(t *testing.T, tune func(*config.Config), users ...[2]string) *Gateway {
	t.Helper()
	cfg := config.Default()
	cfg.Store.Path = t.TempDir()
	cfg.Store.Sync = false
	// No failure budget unless a test asks (under -race a few slow
	// failed checks would spend it and blur what the test counts).
	cfg.Auth.KDFFailurePercent = 100
	if tune != nil {
		tune(&cfg)
	}
	g, err := Open(cfg, Options{SMPPAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() })
	if err := g.Start(); err != nil {
		t.Fatal(err)
	}
	if err := g.Accounts().AddGroup("g1"); err != nil {
		t.Fatal(err)
	}
	for i, up := range users {
		u, err := router.NewUser(fmt.Sprintf("u%d", i+1), "g1", up[0], up[1])
		if err != nil {
			t.Fatal(err)
		}
		if err := g.Accounts().AddUser(u); err != nil {
			t.Fatal(err)
		}
	}
	return g
}

// bindPDU is a bind_transceiver, byte by byte (SMPP v3.4 4.1.5), so that
// what the tests see is what any client would.
func bindPDU(user, pw string) []byte {
	body := append([]byte(user), 0)
	body = append(body, pw...)
	body = append(body, 0, 0, 0x34, 0, 0, 0) // system_type "", version, ton, npi, address_range ""
	b := make([]byte, 16, 16+len(body))
	binary.BigEndian.PutUint32(b[0:], uint32(16+len(body)))
	binary.BigEndian.PutUint32(b[4:], 0x00000009)
	binary.BigEndian.PutUint32(b[12:], 1)
	return append(b, body...)
}

// dialFrom connects to addr from source address src (127.0.0.0/8 all
// reaches loopback on Linux).
func dialFrom(t *testing.T, src, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 10 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", src, err)
	}
	return c
}

// readBindResp reads a bind_transceiver_resp and returns its status.
func readBindResp(t *testing.T, c net.Conn, wait time.Duration) smpp.Status {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(wait))
	var h [16]byte
	if _, err := io.ReadFull(c, h[:]); err != nil {
		t.Fatalf("reading bind_resp: %v", err)
	}
	if id := binary.BigEndian.Uint32(h[4:]); id != 0x80000009 {
		t.Fatalf("answer 0x%08x, want bind_transceiver_resp", id)
	}
	n := binary.BigEndian.Uint32(h[0:])
	if n > 16 {
		_, _ = io.CopyN(io.Discard, c, int64(n-16))
	}
	return smpp.Status(binary.BigEndian.Uint32(h[8:]))
}

func bindRaw(t *testing.T, g *Gateway, src, user, pw string) smpp.Status {
	t.Helper()
	c := dialFrom(t, src, g.SMPPAddr().String())
	defer c.Close()
	if _, err := c.Write(bindPDU(user, pw)); err != nil {
		t.Fatal(err)
	}
	return readBindResp(t, c, 30*time.Second)
}

// An unknown system_id and a wrong password get the same bind_resp
// status and cost the same: one KDF each.
func TestBindUnknownUserLikeWrongPassword(t *testing.T) {
	g := authEnv(t, nil, [2]string{"user1", "pass1"})
	_ = bindRaw(t, g, "127.0.0.1", "warmup", "x") // builds the dummy hash
	type answer struct {
		status smpp.Status
		kdfs   int64
	}
	try := func(user, pw string) answer {
		n := router.KDFRuns()
		st := bindRaw(t, g, "127.0.0.1", user, pw)
		return answer{st, router.KDFRuns() - n}
	}
	unknown, wrong := try("nobody", "pass1"), try("user1", "wrong")
	if unknown != wrong || wrong.status != smpp.ESME_RINVPASWD || wrong.kdfs != 1 {
		t.Fatalf("unknown user: %v after %d KDF; wrong password: %v after %d KDF; want both ESME_RINVPASWD after 1",
			unknown.status, unknown.kdfs, wrong.status, wrong.kdfs)
	}
}

// A flood of wrong-password binds from one address does not stop another
// ESME's first bind (its password not cached yet) from another address.
func TestBindFloodDoesNotLockOutOthers(t *testing.T) {
	old := router.PasswordIterations
	router.PasswordIterations = 100_000 // real cost: the flood must be able to fill a queue
	// The flood is 400 connections from one address: this test is about
	// the auth guard, so the per-IP connection cap (256) is off.
	g := authEnv(t, func(c *config.Config) { c.SMPPServer.MaxConnectionsPerIP = 0 },
		[2]string{"user1", "pass1"}, [2]string{"legit", "pw"})
	router.PasswordIterations = old
	const flood = 400
	conns := make([]net.Conn, 0, flood)
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for i := range flood {
		c := dialFrom(t, "127.0.0.1", g.SMPPAddr().String())
		conns = append(conns, c)
		if _, err := c.Write(bindPDU("user1", fmt.Sprintf("bad%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	// Wait until the server has seen every flood bind.
	deadline := time.Now().Add(30 * time.Second)
	for g.smpps.Stats.BindTRXCount.Load() < flood {
		if time.Now().After(deadline) {
			t.Fatalf("server saw %d of %d binds", g.smpps.Stats.BindTRXCount.Load(), flood)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if st := bindRaw(t, g, "127.0.0.2", "legit", "pw"); st != smpp.ESME_ROK {
		t.Fatalf("legitimate first bind during the flood: %v", st)
	}
	// Most of the flood was refused at once, unchecked.
	refused := 0
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func(c net.Conn) {
			defer wg.Done()
			_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
			var h [16]byte
			if _, err := io.ReadFull(c, h[:]); err == nil && smpp.Status(binary.BigEndian.Uint32(h[8:])) == smpp.ESME_RBINDFAIL {
				mu.Lock()
				refused++
				mu.Unlock()
			}
		}(c)
	}
	wg.Wait()
	if refused < flood/2 {
		t.Fatalf("only %d of %d flood binds refused unchecked", refused, flood)
	}
}

// After free_failures wrong binds from an address, its binds that need
// the KDF are refused at once (ESME_RBINDFAIL, no KDF); a password the
// cache knows still binds from there.
func TestBindBackoffPerSource(t *testing.T) {
	g := authEnv(t, func(c *config.Config) { c.Auth.BackoffSecs = 60 },
		[2]string{"user1", "pass1"}, [2]string{"legit", "pw"}, [2]string{"other", "pw2"})
	const src = "127.0.0.3"
	if st := bindRaw(t, g, src, "legit", "pw"); st != smpp.ESME_ROK { // cached from now on
		t.Fatalf("first bind: %v", st)
	}
	free := g.AuthGuard().Config().FreeFailures
	for i := range free + 1 {
		if st := bindRaw(t, g, src, "user1", "wrong"); st != smpp.ESME_RINVPASWD {
			t.Fatalf("wrong bind %d: %v", i+1, st)
		}
	}
	n := router.KDFRuns()
	if st := bindRaw(t, g, src, "user1", "wrong"); st != smpp.ESME_RBINDFAIL {
		t.Fatalf("backed-off wrong bind: %v, want ESME_RBINDFAIL", st)
	}
	if st := bindRaw(t, g, src, "other", "pw2"); st != smpp.ESME_RBINDFAIL {
		t.Fatalf("backed-off uncached bind: %v, want ESME_RBINDFAIL", st)
	}
	if d := router.KDFRuns() - n; d != 0 {
		t.Fatalf("refused binds ran %d KDFs", d)
	}
	if st := bindRaw(t, g, src, "legit", "pw"); st != smpp.ESME_ROK {
		t.Fatalf("cached password from a backed-off address: %v", st)
	}
	if st := bindRaw(t, g, "127.0.0.4", "other", "pw2"); st != smpp.ESME_ROK {
		t.Fatalf("another address: %v", st)
	}
}

// [auth] kdf_failure_percent: wrong binds that the back-off does not bar
// (free_failures is high here, as for a flood spread over more addresses
// than it can bar) get their share of the KDF worker, then are refused at
// once with ESME_RBINDFAIL without a KDF; a first bind from an address
// with no failure on record still gets its check; one from the failing
// address is refused.
func TestBindFailedChecksCapped(t *testing.T) {
	old := router.PasswordIterations
	router.PasswordIterations = 100_000 // real cost: the share is of real KDF time
	g := authEnv(t, func(c *config.Config) {
		c.Auth.FreeFailures = 1000
		c.Auth.KDFFailurePercent = 5 // 10 s of burst at 5 %: 500 ms of failed checks
	}, [2]string{"user1", "pass1"}, [2]string{"legit", "pw"})
	router.PasswordIterations = old
	if p := g.AuthGuard().Config().FailurePercent; p != 5 {
		t.Fatalf("kdf_failure_percent 5 not applied: the guard has %d", p)
	}
	// The share is of KDF time, so how many checks it buys depends on this
	// machine's speed today: measure one check at the users' cost, and
	// send enough wrong binds to spend the share twice over.
	h, err := router.HashPassword("pw")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	router.PasswordIterations = 100_000
	h, err = router.HashPassword("pw")
	router.PasswordIterations = old
	kdf := time.Since(start)
	if err != nil || len(h) == 0 {
		t.Fatalf("hash: %v", err)
	}
	workers := g.AuthGuard().Config().Workers
	share := time.Duration(float64(10*time.Second) * 0.05 * float64(workers)) // burst x percent x workers
	expect := int(share/kdf) + 1
	flood := min(2*expect+10, 2000)
	var checked, refused int
	for range flood {
		switch st := bindRaw(t, g, "127.0.0.5", "user1", "wrong"); st {
		case smpp.ESME_RINVPASWD:
			checked++
		case smpp.ESME_RBINDFAIL:
			refused++
		default:
			t.Fatalf("wrong bind: %v", st)
		}
	}
	// A loaded machine makes checks slower than the one measured (fewer
	// fit the share), never much faster: allow 50 % more and a few.
	if checked > expect*3/2+4 || refused < flood-(expect*3/2+4) {
		t.Fatalf("%d wrong binds checked, %d refused; one check costs %v, so the %v share buys ~%d",
			checked, refused, kdf, share, expect)
	}
	n := router.KDFRuns()
	if st := bindRaw(t, g, "127.0.0.5", "legit", "pw"); st != smpp.ESME_RBINDFAIL {
		t.Fatalf("first bind from the failing address over the share: %v, want ESME_RBINDFAIL", st)
	}
	if d := router.KDFRuns() - n; d != 0 {
		t.Fatalf("refused binds ran %d KDFs", d)
	}
	// A clean address gets its check while failures are within one more
	// burst (authguard's TestFailureBudget pins that on a fake clock);
	// here a slow KDF on a loaded machine may overshoot it, so the bind
	// is retried, as ESMEs do, until the share has refilled.
	deadline := time.Now().Add(30 * time.Second)
	for {
		st := bindRaw(t, g, "127.0.0.6", "legit", "pw")
		if st == smpp.ESME_ROK {
			break
		}
		if st != smpp.ESME_RBINDFAIL || time.Now().After(deadline) {
			t.Fatalf("first bind from a clean address over the share: %v", st)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
