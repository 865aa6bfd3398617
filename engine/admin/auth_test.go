package admin

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/gwd-project/gwd/config"
)

func TestAuthRequired(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ user, pass string }{
		{"", ""},                     // no credentials
		{adminUser, "wrong"},         // wrong password
		{"someone", adminPass},       // wrong username
		{adminUser, adminPass + "x"}, // longer password
	} {
		r := e.callAs(c.user, c.pass, "GET", "/admin/groups", nil)
		if r.status != http.StatusUnauthorized || r.body["error"] == nil {
			t.Fatalf("%q/%q: status %d body %s, want 401 with an error", c.user, c.pass, r.status, r.raw)
		}
		if r.header.Get("WWW-Authenticate") == "" {
			t.Fatal("401 without WWW-Authenticate")
		}
	}
	// A refused request changes nothing.
	r := e.callAs(adminUser, "wrong", "POST", "/admin/groups", map[string]any{"gid": "g1"})
	if r.status != http.StatusUnauthorized {
		t.Fatalf("POST with a wrong password: %d", r.status)
	}
	if _, ok := e.g.Accounts().Group("g1"); ok {
		t.Fatal("an unauthenticated POST added a group")
	}
	e.must(http.StatusOK, "GET", "/admin/groups", nil)
	if got := e.srv.Stats.AuthFailures.Load(); got != 5 {
		t.Fatalf("AuthFailures = %d, want 5", got)
	}
}

func TestAuthDelayAfterRepeatedFailures(t *testing.T) {
	e := newEnv(t)
	for range 3 {
		e.callAs(adminUser, "bad", "GET", "/admin/groups", nil)
	}
	if s := e.slept(); len(s) != 0 {
		t.Fatalf("the first 3 failures waited %v", s)
	}
	e.callAs(adminUser, "bad", "GET", "/admin/groups", nil) // 4th: waits, fails
	e.callAs(adminUser, "bad", "GET", "/admin/groups", nil) // 5th: waits longer
	want := []time.Duration{500 * time.Millisecond, time.Second}
	if s := e.slept(); !slices.Equal(s, want) {
		t.Fatalf("waits = %v, want %v", s, want)
	}
	// The right credentials still wait while the address is suspect,
	// then clear it.
	e.must(http.StatusOK, "GET", "/admin/groups", nil)
	if s := e.slept(); len(s) != 3 || s[2] != 2*time.Second {
		t.Fatalf("waits = %v, want a third one of 2s", s)
	}
	e.callAs(adminUser, "bad", "GET", "/admin/groups", nil)
	if s := e.slept(); len(s) != 3 {
		t.Fatalf("a failure after a success waited: %v", s)
	}
	if got := e.srv.Stats.AuthDelays.Load(); got != 3 {
		t.Fatalf("AuthDelays = %d, want 3", got)
	}
}

func TestGuardPerAddressCapAndMemory(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	opts := Options{Auth: config.Default().JCli, Now: func() time.Time { return now }}
	opts.defaults()
	g := newGuard(&opts, &Stats{})
	for range 20 {
		g.fail("192.0.2.1")
	}
	if d := g.delay("192.0.2.1"); d != opts.MaxFailureDelay {
		t.Fatalf("delay after 20 failures = %v, want the cap %v", d, opts.MaxFailureDelay)
	}
	if d := g.delay("192.0.2.2"); d != 0 {
		t.Fatalf("another address waits %v", d)
	}
	now = now.Add(opts.FailureMemory + time.Second)
	if d := g.delay("192.0.2.1"); d != 0 {
		t.Fatalf("failures older than FailureMemory still delay: %v", d)
	}
	for i := range maxTracked + 10 {
		g.fail(string(rune(i)))
	}
	if n := len(g.fails); n > maxTracked {
		t.Fatalf("tracking %d addresses, more than %d", n, maxTracked)
	}
}

func TestBasicAuthParsing(t *testing.T) {
	for h, ok := range map[string]bool{
		"Basic amNsaWFkbWluOmpjbGlwd2Q=": true,
		"basic amNsaWFkbWluOmpjbGlwd2Q=": true,
		"Bearer xyz":                     false,
		"Basic !!!":                      false,
		"Basic bm9jb2xvbg==":             false, // "nocolon"
		"":                               false,
	} {
		u, p, got := basicAuth([]byte(h))
		if got != ok || (ok && (u != adminUser || p != adminPass)) {
			t.Errorf("basicAuth(%q) = %q, %q, %v", h, u, p, got)
		}
	}
}

func TestAdminAPIConfig(t *testing.T) {
	a := config.DefaultAdminAPI()
	if !a.Enabled || a.Addr() != "127.0.0.1:8991" || a.Public() {
		t.Fatalf("default [admin-api] = %+v (%s, public %v)", a, a.Addr(), a.Public())
	}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	for bind, public := range map[string]bool{"0.0.0.0": true, "::": true, "10.1.2.3": true, "::1": false, "localhost": false} {
		if got := (config.AdminAPI{Bind: bind}).Public(); got != public {
			t.Errorf("Public(%s) = %v", bind, got)
		}
	}
	if err := (config.AdminAPI{Enabled: true, Port: 70000, Bind: "127.0.0.1"}).Validate(); err == nil {
		t.Fatal("port 70000 accepted")
	}
}

func TestUnknownPathsAndMethods(t *testing.T) {
	e := newEnv(t)
	e.must(http.StatusNotFound, "GET", "/admin/nothing", nil)
	e.must(http.StatusNotFound, "GET", "/admin/users/u1/nothing", nil)
	r := e.must(http.StatusMethodNotAllowed, "DELETE", "/admin/users", nil)
	if r.header.Get("Allow") != "GET, POST" {
		t.Fatalf("Allow = %q", r.header.Get("Allow"))
	}
	e.must(http.StatusNotFound, "GET", "/admin/mtroutes/abc", nil)
	e.must(http.StatusNotFound, "GET", "/elsewhere", nil)
}
