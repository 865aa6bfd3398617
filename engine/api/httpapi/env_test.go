package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/authguard"
	"github.com/gwd-project/gwd/engine/egress"
	"github.com/gwd-project/gwd/engine/mt"
	"github.com/gwd-project/gwd/engine/thrower"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/router/ledger"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/store"
)

func init() { router.PasswordIterations = 1000 }

// routeRefusal is the gateway's "No route found" as a Refusal.
type routeRefusal struct{}

func (routeRefusal) Error() string            { return "no route found" }
func (routeRefusal) Kind() router.RefusalKind { return router.RefusedNoRoute }
func (routeRefusal) Text() string             { return "No route found" }

var _ router.Refusal = routeRefusal{}

// submitted is one Submit the fake gateway accepted, deep-copied: its
// parts as they would go on the wire.
type submitted struct {
	id       string
	uid      string
	channel  router.Channel
	parts    []smpp.PDU
	priority uint8
	expires  time.Time
	received time.Time
	dlr      mt.DLRRequest
	tags     []int64
}

// fakeBackend is the gateway: it records what it is given and answers
// with ids, or with the refusal a test sets.
type fakeBackend struct {
	acc *router.Accounts
	db  *store.DB

	mu       sync.Mutex
	subs     []submitted
	refuse   error            // answer to SubmitMT when set
	refuseTo map[string]error // per destination
	rate     ledger.Money
	rateErr  error
	rated    []submitted
	counters map[string]ledger.Counters
	async    bool          // answer on another goroutine
	hold     chan struct{} // when set, answers wait for it to close
	noCopy   bool          // benchmarks: do not record
	calls    int           // SubmitMT calls, refused ones included
	panicMsg string        // RateMT panics with it when set (recover tests)

	guardOnce sync.Once
	guard     *authguard.Guard // set before use for a non-default one
}

func (f *fakeBackend) AuthGuard() *authguard.Guard {
	f.guardOnce.Do(func() {
		if f.guard == nil {
			f.guard = authguard.New(authguard.Config{FailurePercent: 100}) // no failure budget: see authguard_test
		}
	})
	return f.guard
}

func (f *fakeBackend) Accounts() *router.Accounts { return f.acc }
func (f *fakeBackend) Store() *store.DB           { return f.db }

func (f *fakeBackend) Counters(uid string) (ledger.Counters, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counters[uid], nil
}

func copySubmit(s *mt.Submit, id string) submitted {
	r := submitted{id: id, uid: s.User.UID, channel: s.Channel, priority: s.Priority, expires: s.Expires,
		received: s.Received, dlr: s.DLR, tags: append([]int64(nil), s.Tags...)}
	for i := range s.Parts {
		// Through the codec, as the gateway queues it.
		frame := s.Parts[i].AppendTo(nil)
		var p smpp.PDU
		if err := p.Decode(frame); err != nil {
			panic(fmt.Sprintf("part %d does not decode: %v", i, err))
		}
		r.parts = append(r.parts, p)
	}
	return r
}

func (f *fakeBackend) RateMT(s *mt.Submit) (ledger.Money, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.panicMsg != "" {
		panic(f.panicMsg)
	}
	f.rated = append(f.rated, copySubmit(s, ""))
	return f.rate, f.rateErr
}

func (f *fakeBackend) SubmitMT(s *mt.Submit, done func(string, error)) {
	f.mu.Lock()
	f.calls++
	err, async := f.refuse, f.async
	hold := f.hold
	if e, ok := f.refuseTo[string(s.Parts[0].Dest.Addr)]; ok {
		err = e
	}
	var id string
	if err == nil {
		id = mt.NewID()
		if !f.noCopy {
			f.subs = append(f.subs, copySubmit(s, id))
		}
	}
	f.mu.Unlock()
	if hold != nil {
		go func() {
			<-hold
			done(id, err)
		}()
		return
	}
	if async {
		go done(id, err)
		return
	}
	done(id, err)
}

func (f *fakeBackend) submits() []submitted {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]submitted(nil), f.subs...)
}

func (f *fakeBackend) submitCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func (f *fakeBackend) rates() []submitted {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]submitted(nil), f.rated...)
}

func (f *fakeBackend) setRate(r ledger.Money, err error) {
	f.mu.Lock()
	f.rate, f.rateErr = r, err
	f.mu.Unlock()
}

func (f *fakeBackend) setCounters(uid string, c ledger.Counters) {
	f.mu.Lock()
	f.counters[uid] = c
	f.mu.Unlock()
}

func walCounters(balance string, hasBalance bool, sms int64, hasSMS bool) ledger.Counters {
	a, err := ledger.ParseMoney(balance)
	if err != nil {
		panic(err)
	}
	return ledger.Counters{Balance: a, HasBalance: hasBalance, SMS: sms, HasSMS: hasSMS}
}

func (f *fakeBackend) setRefuse(err error) {
	f.mu.Lock()
	f.refuse = err
	f.mu.Unlock()
}

// env is a Server on 127.0.0.1 with a fake gateway, a real Accounts with
// user foo/bar (uid u1, group g1) and a real store.
type env struct {
	t    *testing.T
	s    *Server
	b    *fakeBackend
	acc  *router.Accounts
	dir  string
	base string
	cfg  config.HTTPAPI
	opts Options
	ln   net.Listener
	done chan error
	// keys, when set, makes the gateway keep idempotency keys (the
	// Backend implements Idempotency); it outlives restarts like a store.
	keys *durableKeys
	// th makes the batch callbacks: opened on the backend's store by
	// start (unless opts has a Thrower), closed by stop.
	th        *thrower.Thrower
	noThrower bool // start opens none: batch callbacks refused
}

func newAccounts(t testing.TB) *router.Accounts {
	t.Helper()
	acc := router.NewAccounts()
	if err := acc.AddGroup("g1"); err != nil {
		t.Fatal(err)
	}
	u, err := router.NewUser("u1", "g1", "foo", "bar")
	if err != nil {
		t.Fatal(err)
	}
	if err := acc.AddUser(u); err != nil {
		t.Fatal(err)
	}
	return acc
}

func newEnv(t *testing.T, cfg config.HTTPAPI, opts Options) *env {
	t.Helper()
	return newEnvKeys(t, cfg, opts, nil)
}

// newEnvKeys is newEnv with a gateway that keeps idempotency keys in keys
// (none when nil).
func newEnvKeys(t *testing.T, cfg config.HTTPAPI, opts Options, keys *durableKeys) *env {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(dir, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, acc: newAccounts(t), dir: dir, cfg: cfg, opts: opts, keys: keys}
	e.b = &fakeBackend{acc: e.acc, db: db, counters: map[string]ledger.Counters{}}
	e.start()
	t.Cleanup(func() {
		e.stop()
		if e.b.db != nil {
			e.b.db.Close()
		}
	})
	return e
}

// testHosts are the host names tests use in callback URLs, resolved by
// testGuard's resolver to a public address (no DNS in tests).
var testHosts = map[string][]string{
	"h": {"93.184.216.34"}, "x": {"93.184.216.34"}, "app.example": {"93.184.216.34"},
	"some.fancy": {"93.184.216.34"},
}

// testResolver resolves table's names, and answers "no such host" for
// others.
func testResolver(table map[string][]string) egress.ResolverFunc {
	return func(_ context.Context, _, host string) ([]netip.Addr, error) {
		list, ok := table[host]
		if !ok {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		out := make([]netip.Addr, len(list))
		for i, a := range list {
			out[i] = netip.MustParseAddr(a)
		}
		return out, nil
	}
}

// testGuard is the callback rule with networks allowed as an operator
// would ([callbacks] allow_networks) and testHosts.
func testGuard(t testing.TB, allow ...string) *egress.Guard {
	t.Helper()
	var o egress.Options
	for _, a := range allow {
		o.Allow = append(o.Allow, netip.MustParsePrefix(a))
	}
	o.Resolver = testResolver(testHosts)
	g, err := egress.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// start runs a Server on a fresh listener. Without a CallbackGuard in
// e.opts, callbacks may go to the test receivers on 127.0.0.0/8 (as
// allow_networks = ["127.0.0.0/8"] allows) and to testHosts.
func (e *env) start() {
	e.t.Helper()
	if e.opts.CallbackGuard == nil {
		e.opts.CallbackGuard = testGuard(e.t, "127.0.0.0/8")
	}
	var b Backend = e.b
	if e.keys != nil {
		b = &keysBackend{fakeBackend: e.b, keys: e.keys}
	}
	opts := e.opts
	opts.Store = e.b.Store() // the backend's store, reopened by restart
	if opts.Thrower == nil && !e.noThrower {
		e.th = openBatchThrower(e.t, e.b.db, opts.CallbackGuard)
		opts.Thrower = e.th
	}
	e.s = New(e.cfg, b, opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	e.ln = ln
	e.base = "http://" + ln.Addr().String()
	e.done = make(chan error, 1)
	go func(s *Server) { e.done <- s.Serve(ln) }(e.s)
}

// stop closes the Server.
func (e *env) stop() {
	if e.s == nil {
		return
	}
	if err := e.s.Close(); err != nil {
		e.t.Errorf("Close: %v", err)
	}
	if err := <-e.done; err != nil {
		e.t.Errorf("Serve: %v", err)
	}
	e.s = nil
	if e.th != nil {
		_ = e.th.Close()
		e.th = nil
	}
}

// restart closes the Server and the store, reopens the store from its
// directory and starts a new Server on it.
func (e *env) restart(opts Options) {
	e.t.Helper()
	e.stop()
	if err := e.b.db.Close(); err != nil {
		e.t.Fatal(err)
	}
	db, err := store.Open(e.dir, store.Options{NoSync: true})
	if err != nil {
		e.t.Fatal(err)
	}
	e.b.db = db
	e.opts = opts
	e.start()
}

var client = &http.Client{Timeout: 30 * time.Second}

func (e *env) do(req *http.Request) (int, string, http.Header) {
	e.t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

func (e *env) get(path string, q url.Values) (int, string) {
	e.t.Helper()
	u := e.base + path
	if q != nil {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	st, body, _ := e.do(req)
	return st, body
}

func (e *env) getRaw(pathAndQuery string) (int, string) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.base+pathAndQuery, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	st, body, _ := e.do(req)
	return st, body
}

func (e *env) postForm(path string, q url.Values) (int, string) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.base+path, strings.NewReader(q.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	st, body, _ := e.do(req)
	return st, body
}

// rest calls the REST API with Basic credentials (none when user is "").
func (e *env) rest(method, path, user, pass, body string) (int, string, http.Header) {
	e.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.base+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return e.do(req)
}

// send is /send with foo/bar and the given extra arguments.
func (e *env) send(kv ...string) (int, string) {
	e.t.Helper()
	q := url.Values{"username": {"foo"}, "password": {"bar"}}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return e.get("/send", q)
}

func (e *env) setCred(cred, section, key, value string) {
	e.t.Helper()
	if err := e.acc.SetCredential("u1", cred, section, key, value); err != nil {
		e.t.Fatal(err)
	}
}

// waitFor polls cond (bounded).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// successID extracts the id of a Success "id" body.
func successID(t *testing.T, body string) string {
	t.Helper()
	id, ok := strings.CutPrefix(body, `Success "`)
	if !ok || !strings.HasSuffix(id, `"`) || len(id) != mt.IDLen+1 {
		t.Fatalf("body %q is not Success \"<id>\"", body)
	}
	return strings.TrimSuffix(id, `"`)
}

var errPlain = errors.New("connector queue broken")

func newReq(t *testing.T, method, u, body string) *http.Request {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
