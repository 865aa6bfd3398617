package admin

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/gateway"
	"github.com/gwd-project/gwd/engine/logring"
	"github.com/gwd-project/gwd/engine/manage"
	"github.com/gwd-project/gwd/engine/manage/managetest"
	"github.com/gwd-project/gwd/engine/thrower"
	"github.com/gwd-project/gwd/router"
)

func init() { router.PasswordIterations = 1000 }

const (
	adminUser = "jcliadmin"
	adminPass = "jclipwd" // config.Default()'s admin_password is a hash of "jclipwd"
	waitLimit = 20 * time.Second
)

// env is a real gateway on a temporary store with the admin API in front
// of it, served on 127.0.0.1.
type env struct {
	t   *testing.T
	dir string
	g   *gateway.Gateway
	// store is the configuration store, with faults to inject.
	store  *managetest.Store
	logs   *logring.Handler
	log    *slog.Logger
	srv    *Server
	base   string
	client *http.Client
	// policies replace the callback retry policies (compressed time).
	policies map[thrower.Kind]thrower.Policy
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), client: &http.Client{Timeout: waitLimit}}
	e.open()
	return e
}

// open opens the gateway on e.dir and serves the admin API for it.
func (e *env) open() {
	t := e.t
	t.Helper()
	cfg := config.Default()
	cfg.Store.Path = e.dir
	cfg.Store.Sync = false
	cfg.Auth.BackoffSecs = 60 // outlasts slow KDFs under -race
	// No failure budget: under -race a KDF takes long enough for a few
	// failures to spend it, and these tests count back-off answers.
	cfg.Auth.KDFFailurePercent = 100
	e.logs = logring.NewHandler(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug}), 50)
	e.log = slog.New(e.logs)
	e.store = &managetest.Store{}
	g, err := gateway.Open(cfg, gateway.Options{SMPPAddr: "127.0.0.1:0", Log: e.log,
		ConfigStore: e.store.Wrap, ThrowerPolicies: e.policies})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(); err != nil {
		t.Fatal(err)
	}
	e.g = g
	e.srv = New(g.Parts().Manager, deps(g.Parts()), Options{Logs: e.logs})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = e.srv.Serve(ln) }()
	e.base = "http://" + ln.Addr().String()
	srv := e.srv
	t.Cleanup(func() {
		_ = srv.Close()
		_ = g.Close()
	})
}

// m is the gateway's configuration writer.
func (e *env) m() *manage.Manager { return e.g.Parts().Manager }

// deps are the admin API's pieces of a gateway.
func deps(p gateway.Parts) Deps { return Deps{Admin: p.Admin, SMPP: p.SMPP, DeadLetters: p.Thrower} }

// reopen closes the gateway and the API and opens them again on the same
// store, as a restart does.
func (e *env) reopen() {
	e.t.Helper()
	if err := e.srv.Close(); err != nil {
		e.t.Fatal(err)
	}
	if err := e.g.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.open()
}

// reply is an answer: its status, the decoded JSON body (nil when none)
// and the raw body.
type reply struct {
	status int
	body   map[string]any
	raw    string
	header http.Header
}

// call makes a request with the admin credentials. body is a string sent
// as is, or a value encoded as JSON.
func (e *env) call(method, path string, body any) reply {
	e.t.Helper()
	return e.callAs(adminUser, adminPass, method, path, body)
}

func (e *env) callAs(user, pass, method, path string, body any) reply {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if user != "" || pass != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	r := reply{status: resp.StatusCode, raw: string(raw), header: resp.Header}
	if len(bytes.TrimSpace(raw)) > 0 {
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			e.t.Fatalf("%s %s: Content-Type %q, body %s", method, path, ct, raw)
		}
		if err := json.Unmarshal(raw, &r.body); err != nil {
			e.t.Fatalf("%s %s: body %q is not a JSON object: %v", method, path, raw, err)
		}
	}
	return r
}

// must calls and checks the status.
func (e *env) must(status int, method, path string, body any) reply {
	e.t.Helper()
	r := e.call(method, path, body)
	if r.status != status {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.status, status, r.raw)
	}
	return r
}

// refused checks a 4xx answer and the field it names.
func (e *env) refused(status int, field, method, path string, body any) reply {
	e.t.Helper()
	r := e.call(method, path, body)
	if r.status != status {
		e.t.Fatalf("%s %s %v: status %d, want %d; body %s", method, path, body, r.status, status, r.raw)
	}
	if msg, _ := r.body["error"].(string); msg == "" {
		e.t.Fatalf("%s %s: no error message in %s", method, path, r.raw)
	}
	if got, _ := r.body["field"].(string); got != field {
		e.t.Fatalf("%s %s %v: field %q, want %q; body %s", method, path, body, got, field, r.raw)
	}
	return r
}

// at walks a decoded JSON value: keys for objects, indexes for arrays.
func jget(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("jget %v: %v is not an object", path, v)
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("jget %v: %v is not an array of more than %d", path, v, k)
			}
			v = a[k]
		}
	}
	return v
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
