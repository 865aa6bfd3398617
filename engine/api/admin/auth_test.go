package admin

import (
	"net/http"
	"strings"
	"testing"

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

// After free_failures wrong passwords from an address, further attempts
// are refused at once (429, Retry-After, no KDF) instead of sleeping on
// the handler; credentials verified before still pass.
func TestAuthBackoffRefusesAtOnce(t *testing.T) {
	e := newEnv(t)
	e.must(http.StatusOK, "GET", "/admin/groups", nil) // verified: cached
	free := e.g.AuthGuard().Config().FreeFailures
	for i := range free + 1 {
		if r := e.callAs(adminUser, "bad", "GET", "/admin/groups", nil); r.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d, want 401", i+1, r.status)
		}
	}
	checks := e.g.AuthGuard().Stats.Checks.Load()
	for _, pass := range []string{"bad", "jclipwd2"} {
		r := e.callAs(adminUser, pass, "GET", "/admin/groups", nil)
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
			t.Fatalf("backed off, %q: status %d Retry-After %q, want 429 with Retry-After", pass, r.status, r.header.Get("Retry-After"))
		}
		if !strings.Contains(r.raw, "Too many authentication attempts") {
			t.Fatalf("429 body %s", r.raw)
		}
	}
	if n := e.g.AuthGuard().Stats.Checks.Load(); n != checks {
		t.Fatalf("refused attempts ran %d password checks", n-checks)
	}
	// The right, cached, credentials pass during the back-off.
	e.must(http.StatusOK, "GET", "/admin/groups", nil)
	if got := e.srv.Stats.AuthRefused.Load(); got != 2 {
		t.Fatalf("AuthRefused = %d, want 2", got)
	}
}

// Credentials without a username are refused (401) without a password
// check: the admin account always has one.
func TestAuthNoUsernameSpendsNoCheck(t *testing.T) {
	e := newEnv(t)
	checks := e.g.AuthGuard().Stats.Checks.Load()
	for _, pass := range []string{"", adminPass} {
		if r := e.callAs("", pass+" ", "GET", "/admin/groups", nil); r.status != http.StatusUnauthorized {
			t.Fatalf("no username, password %q: status %d", pass, r.status)
		}
	}
	if n := e.g.AuthGuard().Stats.Checks.Load() - checks; n != 0 {
		t.Fatalf("credentials without a username ran %d password checks", n)
	}
}

func TestAdminAPIConfig(t *testing.T) {
	a := config.DefaultAdminAPI()
	if !a.Enabled || a.Addr() != "127.0.0.1:8991" {
		t.Fatalf("default [admin-api] = %+v (%s)", a, a.Addr())
	}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
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
