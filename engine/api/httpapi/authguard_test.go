package httpapi

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/authguard"
	"github.com/gwd-project/gwd/router"
)

// After free_failures wrong passwords from an address, /send, /balance,
// /rate and the REST API answer 429 with Retry-After at once, without a
// KDF; the password the cache knows still works.
func TestBackoff429(t *testing.T) {
	e := newEnv(t, config.Default().HTTPAPI, Options{})
	e.b.guard = authguard.New(authguard.Config{FreeFailures: 3, BaseBackoff: 60e9, FailurePercent: 100})
	t.Cleanup(e.b.guard.Close)
	if st, body := e.send("to", "1", "content", "x"); st != 200 { // foo/bar cached from now on
		t.Fatalf("first /send: %d %s", st, body)
	}
	wrong := url.Values{"username": {"foo"}, "password": {"wrong"}, "to": {"1"}, "content": {"x"}}
	for i := range 4 {
		if st, body := e.get("/send", wrong); st != 403 || body != `Error "Authentication failure for username:foo"` {
			t.Fatalf("wrong password %d: %d %s", i+1, st, body)
		}
	}
	n := router.KDFRuns()
	for path, q := range map[string]url.Values{
		"/send":    wrong,
		"/balance": {"username": {"foo"}, "password": {"wrong"}},
		"/rate":    {"username": {"foo"}, "password": {"wrong"}, "to": {"1"}},
	} {
		req, _ := http.NewRequest(http.MethodGet, e.base+path+"?"+q.Encode(), nil)
		st, body, h := e.do(req)
		if st != http.StatusTooManyRequests || body != `Error "Too many authentication attempts, retry later"` || h.Get("Retry-After") != "60" {
			t.Fatalf("%s backed off: %d %q Retry-After %q", path, st, body, h.Get("Retry-After"))
		}
	}
	st, body, h := e.rest(http.MethodGet, "/secure/balance", "foo", "wrong", "")
	if st != http.StatusTooManyRequests || h.Get("Retry-After") == "" || body != `{"message": "Too many authentication attempts, retry later"}` {
		t.Fatalf("REST backed off: %d %s %v", st, body, h)
	}
	if d := router.KDFRuns() - n; d != 0 {
		t.Fatalf("refused requests ran %d KDFs", d)
	}
	// The cached password still works.
	if st, body := e.send("to", "1", "content", "x"); st != 200 {
		t.Fatalf("cached password while backed off: %d %s", st, body)
	}
	// An unknown user answers as a wrong password does, body included.
	e2 := newEnv(t, config.Default().HTTPAPI, Options{})
	_, _ = e2.get("/send", url.Values{"username": {"nobody"}, "password": {"x"}, "to": {"1"}, "content": {"x"}}) // dummy hash made
	n = router.KDFRuns()
	stU, bodyU := e2.get("/send", url.Values{"username": {"nobody"}, "password": {"bar"}, "to": {"1"}, "content": {"x"}})
	kdfU := router.KDFRuns() - n
	n = router.KDFRuns()
	stW, bodyW := e2.get("/send", url.Values{"username": {"foo"}, "password": {"baz"}, "to": {"1"}, "content": {"x"}})
	kdfW := router.KDFRuns() - n
	if stU != stW || stU != 403 || kdfU != 1 || kdfW != 1 ||
		bodyU != `Error "Authentication failure for username:nobody"` || bodyW != `Error "Authentication failure for username:foo"` {
		t.Fatalf("unknown user %d %s (%d KDF), wrong password %d %s (%d KDF)", stU, bodyU, kdfU, stW, bodyW, kdfW)
	}
}
