package admin

import (
	"crypto/subtle"
	"encoding/base64"
	"strings"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// maxTracked bounds the addresses whose failures are remembered.
const maxTracked = 10_000

// guard checks HTTP Basic credentials against [jcli]'s admin account and
// slows down addresses that keep failing: after FreeFailures failures,
// each attempt from the address (right or wrong) waits FailureDelay,
// doubled per further failure up to MaxFailureDelay, before it is
// checked. A success forgets the address's failures; so does
// FailureMemory without a failure.
type guard struct {
	opts  *Options
	stats *Stats

	mu    sync.Mutex
	fails map[string]*failures
}

type failures struct {
	n    int
	last time.Time
}

func newGuard(opts *Options, stats *Stats) *guard {
	return &guard{opts: opts, stats: stats, fails: map[string]*failures{}}
}

// check reports whether the request carries the admin credentials.
func (g *guard) check(ctx *fasthttp.RequestCtx) bool {
	addr := ctx.RemoteIP().String()
	if d := g.delay(addr); d > 0 {
		g.stats.AuthDelays.Add(1)
		g.opts.Sleep(d)
	}
	user, pass, ok := basicAuth(ctx.Request.Header.Peek("Authorization"))
	if ok && g.valid(user, pass) {
		g.forget(addr)
		return true
	}
	g.stats.AuthFailures.Add(1)
	g.fail(addr)
	return false
}

// valid compares in constant time (the username's length aside).
func (g *guard) valid(user, pass string) bool {
	uok := subtle.ConstantTimeCompare([]byte(user), []byte(g.opts.Auth.AdminUsername)) == 1
	pok := g.opts.Auth.PasswordMatches(pass) // MD5 digest, constant-time compare
	return uok && pok && g.opts.Auth.AdminUsername != ""
}

// delay is how long an attempt from addr waits.
func (g *guard) delay(addr string) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	f := g.fails[addr]
	if f == nil {
		return 0
	}
	if g.opts.Now().Sub(f.last) > g.opts.FailureMemory {
		delete(g.fails, addr)
		return 0
	}
	over := f.n - g.opts.FreeFailures
	if over < 0 {
		return 0
	}
	d := g.opts.FailureDelay
	for range over {
		if d >= g.opts.MaxFailureDelay {
			break
		}
		d *= 2
	}
	return min(d, g.opts.MaxFailureDelay)
}

func (g *guard) fail(addr string) {
	now := g.opts.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	f := g.fails[addr]
	if f == nil {
		if len(g.fails) >= maxTracked {
			g.prune(now)
		}
		f = &failures{}
		g.fails[addr] = f
	}
	f.n++
	f.last = now
}

// prune forgets the stale addresses, or an arbitrary one if none is.
func (g *guard) prune(now time.Time) {
	for a, f := range g.fails {
		if now.Sub(f.last) > g.opts.FailureMemory {
			delete(g.fails, a)
		}
	}
	for a := range g.fails {
		if len(g.fails) < maxTracked {
			break
		}
		delete(g.fails, a)
	}
}

func (g *guard) forget(addr string) {
	g.mu.Lock()
	delete(g.fails, addr)
	g.mu.Unlock()
}

// basicAuth parses an "Authorization: Basic …" header.
func basicAuth(h []byte) (user, pass string, ok bool) {
	const prefix = "basic "
	if len(h) < len(prefix) || !strings.EqualFold(string(h[:len(prefix)]), prefix) {
		return "", "", false
	}
	dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(h[len(prefix):])))
	if err != nil {
		return "", "", false
	}
	user, pass, ok = strings.Cut(string(dec), ":")
	if !ok {
		return "", "", false
	}
	return user, pass, true
}
