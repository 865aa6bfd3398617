package junebug

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/gateway"
	"github.com/gwd-project/gwd/engine/logring"
	"github.com/gwd-project/gwd/engine/manage/managetest"
	"github.com/gwd-project/gwd/engine/thrower"
	"github.com/gwd-project/gwd/smsc"
)

// waitLimit bounds each wait; generous, since some waits span a metric
// window (10 s) and the machine may be loaded.
const waitLimit = 45 * time.Second

func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// collector is an HTTP receiver (event_url, mo_url, status_url) that
// records the JSON bodies posted to it. The first fail requests get a 500.
type collector struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []map[string]any
	hits int
	fail int
	path []string
}

func newCollector(t testing.TB) *collector {
	c := &collector{}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		defer c.mu.Unlock()
		c.hits++
		if c.fail > 0 {
			c.fail--
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil || r.Method != "POST" ||
			r.Header.Get("Content-Type") != "application/json" {
			m = map[string]any{"bad": string(b), "method": r.Method, "ct": r.Header.Get("Content-Type")}
		}
		c.got = append(c.got, m)
		c.path = append(c.path, r.URL.RequestURI())
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *collector) url() string { return c.srv.URL }

// all returns the bodies received so far.
func (c *collector) all() []map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]map[string]any(nil), c.got...)
}

// find returns the first body match accepts, waiting for it.
func (c *collector) wait(t testing.TB, what string, match func(m map[string]any) bool) map[string]any {
	t.Helper()
	var found map[string]any
	waitUntil(t, what, func() bool {
		for _, m := range c.all() {
			if match(m) {
				found = m
				return true
			}
		}
		return false
	})
	return found
}

const (
	adminUser = "admin"
	adminPass = "s3cret"
)

type env struct {
	t   testing.TB
	dir string
	cfg config.Config
	sim *smsc.Sim
	g   *gateway.Gateway
	s   *Server
	// store is the configuration store, with a hook before each write.
	store *managetest.Store
	ring  *logring.Handler
	base  string

	events, mos, statuses *collector
}

// newEnv starts smppsim (tuned by simCfg) and gwd with the Junebug API.
func newEnv(t testing.TB, simCfg smsc.Config, tune func(*config.Config)) *env {
	t.Helper()
	simCfg.Listen = "127.0.0.1:0"
	sim, err := smsc.Start(simCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	e := &env{t: t, dir: t.TempDir(), sim: sim, events: newCollector(t), mos: newCollector(t), statuses: newCollector(t)}
	e.cfg = config.Default()
	e.cfg.Store.Path = e.dir
	e.cfg.Store.Sync = false
	e.cfg.JCli.AdminUsername = adminUser
	sum := md5.Sum([]byte(adminPass))
	e.cfg.JCli.AdminPassword = hex.EncodeToString(sum[:])
	e.cfg.Junebug.MetricWindowSecs = 10 // long enough that a loaded machine still sees the events inside it
	e.cfg.Junebug.MaxLogs = 5
	if tune != nil {
		tune(&e.cfg)
	}
	e.open()
	return e
}

// open opens the gateway and the API on e.dir.
func (e *env) open() {
	t := e.t
	e.ring = logring.NewHandler(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug}), 50)
	log := slog.New(e.ring)
	e.store = &managetest.Store{}
	g, err := gateway.Open(e.cfg, gateway.Options{SMPPAddr: "127.0.0.1:0", Log: log,
		ConfigStore: e.store.Wrap,
		ThrowerPolicies: map[thrower.Kind]thrower.Policy{
			thrower.Event: {Timeout: 2 * time.Second, RetryDelay: 50 * time.Millisecond, MaxRetries: 20},
		}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(deps(g), Options{Log: log, Logs: e.ring, ThrottleCheck: 50 * time.Millisecond})
	if err != nil {
		_ = g.Close()
		t.Fatal(err)
	}
	// As gwd does: the observer is installed before Start brings the
	// connectors up, so nothing they deliver is missed.
	if err := g.Start(); err != nil {
		_ = g.Close()
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(ln) }()
	e.g, e.s, e.base = g, s, "http://"+ln.Addr().String()
	t.Cleanup(e.close)
}

// deps are the channel API's pieces of g, as gwd wires them.
func deps(g *gateway.Gateway) Deps {
	p := g.Parts()
	return Deps{Manager: p.Manager, Gateway: g, Index: p.Index, Store: p.Store, Thrower: p.Thrower,
		Admin: p.Admin, Config: g.Config(), Observe: func(o Observer) { g.SetObserver(o) }}
}

// close stops the API and the gateway (idempotent).
func (e *env) close() {
	if e.s != nil {
		if err := e.s.Close(); err != nil {
			e.t.Error(err)
		}
		e.s = nil
	}
	if e.g != nil {
		if err := e.g.Close(); err != nil {
			e.t.Error(err)
		}
		e.g = nil
	}
}

// simConfig is a channel config pointing at the simulator.
func (e *env) simConfig() map[string]any {
	host, port, _ := net.SplitHostPort(e.sim.Addr().String())
	return map[string]any{"host": host, "port": port, "submit_throughput": 0,
		"con_loss_delay": 1, "con_fail_delay": 1, "requeue_delay": 1}
}

// reply is a decoded envelope.
type reply struct {
	HTTP   int
	Header http.Header
	Status int             `json:"status"`
	Code   string          `json:"code"`
	Desc   string          `json:"description"`
	Result json.RawMessage `json:"result"`
	Raw    string
}

func (r *reply) result(v any) {
	if err := json.Unmarshal(r.Result, v); err != nil {
		panic("result " + string(r.Result) + ": " + err.Error())
	}
}

// errType is the first error's type of an error envelope.
func (r *reply) errType() string {
	var res struct {
		Errors []errorItem `json:"errors"`
	}
	_ = json.Unmarshal(r.Result, &res)
	if len(res.Errors) == 0 {
		return ""
	}
	return res.Errors[0].Type
}

func (r *reply) errMessages() string {
	var res struct {
		Errors []errorItem `json:"errors"`
	}
	_ = json.Unmarshal(r.Result, &res)
	var out []string
	for _, e := range res.Errors {
		out = append(out, e.Message)
	}
	return strings.Join(out, "; ")
}

// call makes an authenticated request; body is JSON-encoded unless it is a
// string (sent as is).
func (e *env) call(method, path string, body any) *reply {
	return e.callAs(adminUser, adminPass, method, path, body)
}

func (e *env) callAs(user, pass, method, path string, body any) *reply {
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
	if user != "" {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	r := &reply{HTTP: resp.StatusCode, Header: resp.Header, Raw: string(b)}
	if err := json.Unmarshal(b, r); err != nil {
		e.t.Fatalf("%s %s: body is not an envelope: %q", method, path, b)
	}
	if r.Status != resp.StatusCode || r.Code != http.StatusText(resp.StatusCode) {
		e.t.Fatalf("%s %s: envelope status %d %q, HTTP %d", method, path, r.Status, r.Code, resp.StatusCode)
	}
	return r
}

// createChannel creates an smpp channel to the simulator with the
// collectors as mo_url and status_url, plus extra fields; it returns the
// channel id.
func (e *env) createChannel(extra map[string]any) string {
	e.t.Helper()
	body := map[string]any{"type": "smpp", "label": "test", "config": e.simConfig(),
		"mo_url": e.mos.url() + "/mo/{channel_id}", "status_url": e.statuses.url() + "/status"}
	for k, v := range extra {
		body[k] = v
	}
	r := e.call("POST", "/channels/", body)
	if r.HTTP != http.StatusCreated {
		e.t.Fatalf("create channel: %d %s", r.HTTP, r.Raw)
	}
	var v struct {
		ID string `json:"id"`
	}
	r.result(&v)
	return v.ID
}

// channelStatus returns GET /channels/{id}'s status object.
func (e *env) channelStatus(id string) statusView {
	e.t.Helper()
	r := e.call("GET", "/channels/"+id, nil)
	if r.HTTP != http.StatusOK {
		e.t.Fatalf("get channel: %d %s", r.HTTP, r.Raw)
	}
	var v struct {
		Status statusView `json:"status"`
	}
	r.result(&v)
	return v.Status
}

func (e *env) waitBound(id string) {
	e.t.Helper()
	waitUntil(e.t, "channel bound", func() bool { return e.channelStatus(id).Status == statusOK })
}

// send posts a message and returns its id.
func (e *env) send(channelID string, body map[string]any) string {
	e.t.Helper()
	r := e.call("POST", "/channels/"+channelID+"/messages/", body)
	if r.HTTP != http.StatusCreated {
		e.t.Fatalf("send: %d %s", r.HTTP, r.Raw)
	}
	var v struct {
		ID string `json:"id"`
	}
	r.result(&v)
	if v.ID == "" {
		e.t.Fatalf("send: no id in %s", r.Raw)
	}
	return v.ID
}
