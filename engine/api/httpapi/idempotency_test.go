package httpapi

import (
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/router"
)

// durableKeys is a gateway's store of idempotency keys: it answers
// Remember on a goroutine of its own, as the store does.
type durableKeys struct {
	mu   sync.Mutex
	m    map[string]string
	fail error // the next Remember fails with it
	puts int
}

func newDurableKeys() *durableKeys { return &durableKeys{m: map[string]string{}} }

func (d *durableKeys) Remember(key, id string, done func(error)) {
	d.mu.Lock()
	err := d.fail
	d.fail = nil
	if err == nil {
		d.m[key] = id
		d.puts++
	}
	d.mu.Unlock()
	go done(err)
}

func (d *durableKeys) Recall(key string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	v, ok := d.m[key]
	return v, ok
}

func (d *durableKeys) get(key string) (string, int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.m[key], d.puts
}

// keysBackend is the fake gateway with durable idempotency keys.
type keysBackend struct {
	*fakeBackend
	keys *durableKeys
}

func (k *keysBackend) Remember(key, id string, done func(error)) { k.keys.Remember(key, id, done) }
func (k *keysBackend) Recall(key string) (string, bool)          { return k.keys.Recall(key) }

var _ Idempotency = (*keysBackend)(nil)

func (f *fakeBackend) setHold(ch chan struct{}) {
	f.mu.Lock()
	f.hold = ch
	f.mu.Unlock()
}

// lockedBuffer is a log destination safe for concurrent use.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// clock is a settable Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (e *env) addUser(uid, username, password string) {
	e.t.Helper()
	u, err := router.NewUser(uid, "g1", username, password)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.acc.AddUser(u); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) sendAs(username, password string, kv ...string) (int, string) {
	e.t.Helper()
	q := url.Values{"username": {username}, "password": {password}}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return e.get("/send", q)
}

func (e *env) wantSubmits(n int) {
	e.t.Helper()
	if got := len(e.b.submits()); got != n {
		e.t.Fatalf("%d messages submitted, want %d", got, n)
	}
}

func TestIdempotencySameKeyOnce(t *testing.T) {
	for _, durable := range []bool{false, true} {
		name := "memory"
		var keys *durableKeys
		if durable {
			name, keys = "durable", newDurableKeys()
		}
		t.Run(name, func(t *testing.T) {
			e := newEnvKeys(t, config.HTTPAPI{}, Options{}, keys)
			st, body := e.send("to", "1", "content", "hi", "idempotency-key", "order-42")
			if st != 200 {
				t.Fatalf("%d %q", st, body)
			}
			id := successID(t, body)
			// The retry: GET again, then as a POST form, then with the
			// header: the first answer each time, nothing sent.
			if st, again := e.send("to", "1", "content", "hi", "idempotency-key", "order-42"); st != 200 || again != body {
				t.Errorf("retry: %d %q, want 200 %q", st, again, body)
			}
			if st, again := e.postForm("/send", url.Values{"username": {"foo"}, "password": {"bar"}, "to": {"1"},
				"content": {"hi"}, "idempotency-key": {"order-42"}}); st != 200 || again != body {
				t.Errorf("retry as POST: %d %q, want 200 %q", st, again, body)
			}
			req := newReq(t, "GET", e.base+"/send?username=foo&password=bar&to=1&content=hi", "")
			req.Header.Set("Idempotency-Key", "order-42")
			if st, again, _ := e.do(req); st != 200 || again != body {
				t.Errorf("retry with the header: %d %q, want 200 %q", st, again, body)
			}
			e.wantSubmits(1)
			if got := e.b.submits()[0].id; got != id {
				t.Errorf("submitted %s, answered %s", got, id)
			}
			// Another key, and no key at all: sent.
			if st, body := e.send("to", "1", "content", "hi", "idempotency-key", "order-43"); st != 200 || successID(t, body) == id {
				t.Errorf("another key: %d %q", st, body)
			}
			for range 2 {
				if st, body := e.send("to", "1", "content", "hi"); st != 200 {
					t.Fatalf("no key: %d %q", st, body)
				}
			}
			e.wantSubmits(4)
			if durable {
				v, _ := keys.get("u1/order-42")
				if !strings.HasPrefix(v, id+" ") {
					t.Errorf("gateway keeps %q for u1/order-42, want the id and its time", v)
				}
			}
		})
	}
}

func TestIdempotencyPerUser(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{})
	e.addUser("u2", "baz", "qux")
	_, b1 := e.send("to", "1", "content", "hi", "idempotency-key", "k1")
	st, b2 := e.sendAs("baz", "qux", "to", "1", "content", "hi", "idempotency-key", "k1")
	if st != 200 || successID(t, b1) == successID(t, b2) {
		t.Fatalf("two users, one key: %q and %d %q", b1, st, b2)
	}
	subs := e.b.submits()
	if len(subs) != 2 || subs[0].uid != "u1" || subs[1].uid != "u2" {
		t.Fatalf("submits %+v", subs)
	}
	// Each user's retry gets its own first id.
	if _, again := e.sendAs("baz", "qux", "to", "1", "content", "hi", "idempotency-key", "k1"); again != b2 {
		t.Errorf("u2 retry: %q, want %q", again, b2)
	}
	if _, again := e.send("to", "1", "content", "hi", "idempotency-key", "k1"); again != b1 {
		t.Errorf("u1 retry: %q, want %q", again, b1)
	}
	// A wrong password learns nothing from a known key.
	if st, body := e.sendAs("foo", "nope", "to", "1", "content", "hi", "idempotency-key", "k1"); st != 403 ||
		body != `Error "Authentication failure for username:foo"` {
		t.Errorf("wrong password: %d %q", st, body)
	}
	e.wantSubmits(2)
}

func TestIdempotencyInvalidKey(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{})
	const rule = "; it takes 1 to 64 characters of A-Z a-z 0-9 _ . : -.\""
	for _, c := range []struct{ key, want string }{
		{"", `Error "Argument [idempotency-key] has an invalid value: []` + rule},
		{strings.Repeat("k", 65), `Error "Argument [idempotency-key] has an invalid value: [` + strings.Repeat("k", 65) + `]` + rule},
		{"two words", `Error "Argument [idempotency-key] has an invalid value: [two words]` + rule},
		{"a/b", `Error "Argument [idempotency-key] has an invalid value: [a/b]` + rule},
		{"clé", `Error "Argument [idempotency-key] has an invalid value: [clé]` + rule},
	} {
		if st, body := e.send("to", "1", "content", "hi", "idempotency-key", c.key); st != 400 || body != c.want {
			t.Errorf("key %q: %d %q, want 400 %q", c.key, st, body, c.want)
		}
	}
	// The longest key and every allowed character are fine.
	for _, k := range []string{strings.Repeat("k", 64), "AZaz09_.:-"} {
		if st, body := e.send("to", "1", "content", "hi", "idempotency-key", k); st != 200 {
			t.Errorf("key %q: %d %q", k, st, body)
		}
	}
	// Two different keys in one request (query and header): refused.
	req := newReq(t, "GET", e.base+"/send?username=foo&password=bar&to=1&content=hi&idempotency-key=a", "")
	req.Header.Set("Idempotency-Key", "b")
	if st, body, _ := e.do(req); st != 400 || body != `Error "Argument [idempotency-key] is given with different values."` {
		t.Errorf("query a, header b: %d %q", st, body)
	}
	// An invalid header: refused like the argument.
	req = newReq(t, "GET", e.base+"/send?username=foo&password=bar&to=1&content=hi", "")
	req.Header.Set("Idempotency-Key", "x y")
	if st, body, _ := e.do(req); st != 400 || body != `Error "Argument [idempotency-key] has an invalid value: [x y]`+rule {
		t.Errorf("invalid header: %d %q", st, body)
	}
	// /rate does not take it.
	if st, body := e.get("/rate", url.Values{"username": {"foo"}, "password": {"bar"}, "to": {"1"}, "idempotency-key": {"k"}}); st != 400 ||
		body != `Error "Argument [idempotency-key] is unknown."` {
		t.Errorf("/rate: %d %q", st, body)
	}
	e.wantSubmits(2)
}

func TestIdempotencyRefusalNotRemembered(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{})
	e.b.setRefuse(routeRefusal{})
	if st, body := e.send("to", "1", "content", "hi", "idempotency-key", "k"); st != 412 || body != `Error "No route found"` {
		t.Fatalf("refused: %d %q", st, body)
	}
	// Refused before the gateway (a destination the user may not send
	// to): not remembered either.
	e.b.setRefuse(nil)
	e.setCred("mt_messaging_cred", "valuefilter", "dst_addr", "^33")
	if st, body := e.send("to", "1", "content", "hi", "idempotency-key", "k"); st != 400 {
		t.Fatalf("filtered destination: %d %q", st, body)
	}
	e.setCred("mt_messaging_cred", "valuefilter", "dst_addr", ".*")
	st, body := e.send("to", "1", "content", "hi", "idempotency-key", "k")
	if st != 200 {
		t.Fatalf("retry after the refusals: %d %q", st, body)
	}
	e.wantSubmits(1)
	if _, again := e.send("to", "1", "content", "hi", "idempotency-key", "k"); again != body {
		t.Errorf("retry after the success: %q, want %q", again, body)
	}
	e.wantSubmits(1)
}

func TestIdempotencyConcurrent(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{})
	hold := make(chan struct{})
	e.b.setHold(hold)
	const n = 8
	bodies := make([]string, n)
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			codes[i], bodies[i] = e.send("to", "1", "content", "hi", "idempotency-key", "same")
		})
	}
	// One of them is at the gateway; give the others time to arrive and
	// wait for it (if some arrive later they get the stored answer: the
	// same for the client).
	waitFor(t, "the first submit", func() bool { return e.b.submitCalls() >= 1 })
	time.Sleep(100 * time.Millisecond)
	close(hold)
	wg.Wait()
	e.wantSubmits(1)
	id := e.b.submits()[0].id
	for i := range n {
		if codes[i] != 200 || successID(t, bodies[i]) != id {
			t.Errorf("request %d: %d %q, want Success %q", i, codes[i], bodies[i], id)
		}
	}
	if c := e.b.submitCalls(); c != 1 {
		t.Errorf("%d calls to the gateway", c)
	}
}

func TestIdempotencyWaiterSendsAfterRefusal(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{})
	hold := make(chan struct{})
	e.b.setHold(hold)
	e.b.setRefuse(routeRefusal{})
	var wg sync.WaitGroup
	var st1, st2 int
	var b1, b2 string
	wg.Go(func() { st1, b1 = e.send("to", "1", "content", "hi", "idempotency-key", "k") })
	waitFor(t, "the first submit", func() bool { return e.b.submitCalls() == 1 })
	e.b.setRefuse(nil)
	wg.Go(func() { st2, b2 = e.send("to", "1", "content", "hi", "idempotency-key", "k") })
	time.Sleep(100 * time.Millisecond) // the second is waiting for the first
	e.b.setHold(nil)
	close(hold)
	wg.Wait()
	if st1 != 412 || b1 != `Error "No route found"` {
		t.Errorf("first: %d %q", st1, b1)
	}
	if st2 != 200 {
		t.Fatalf("second: %d %q", st2, b2)
	}
	e.wantSubmits(1)
	if id := successID(t, b2); id != e.b.submits()[0].id {
		t.Errorf("answered %s, submitted %s", id, e.b.submits()[0].id)
	}
}

// A request that timed out waiting for the gateway keeps its key until the
// gateway answers: a retry meanwhile is 409, a retry after is the id the
// first request never saw, and the message goes once.
func TestIdempotencyInProgress(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{SubmitTimeout: 300 * time.Millisecond})
	hold := make(chan struct{})
	e.b.setHold(hold)
	if st, body := e.send("to", "1", "content", "hi", "idempotency-key", "slow"); st != 500 {
		t.Fatalf("first: %d %q, want the timeout's 500", st, body)
	}
	if st, body := e.send("to", "1", "content", "hi", "idempotency-key", "slow"); st != 409 ||
		body != `Error "Request with this idempotency-key is in progress"` {
		t.Fatalf("retry while in progress: %d %q", st, body)
	}
	st, body, _ := e.rest("POST", "/secure/send", "foo", "bar", `{"to": "1", "content": "hi", "idempotency_key": "slow"}`)
	if st != 409 || body != `{"message": "Error \"Request with this idempotency-key is in progress"}` {
		t.Fatalf("REST retry while in progress: %d %q", st, body)
	}
	e.b.setHold(nil)
	close(hold)
	waitFor(t, "the gateway's answer", func() bool { return len(e.b.submits()) == 1 })
	id := e.b.submits()[0].id
	var got string
	waitFor(t, "the key to be settled", func() bool {
		st, body := e.send("to", "1", "content", "hi", "idempotency-key", "slow")
		got = body
		return st == 200
	})
	if successID(t, got) != id {
		t.Errorf("retry after the answer: %q, want %s", got, id)
	}
	e.wantSubmits(1)
	if c := e.b.submitCalls(); c != 1 {
		t.Errorf("%d calls to the gateway", c)
	}
}

func TestIdempotencyREST(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{})
	send := func(key, body string) (int, string) {
		req := newReq(t, "POST", e.base+"/secure/send", body)
		req.SetBasicAuth("foo", "bar")
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		st, b, _ := e.do(req)
		return st, b
	}
	st, first := send("rk", `{"to": "1", "content": "hi"}`)
	if st != 200 || !strings.HasPrefix(first, `{"data": "Success \"`) {
		t.Fatalf("header: %d %q", st, first)
	}
	// The JSON field, the header with the same field, and /send: one key.
	for _, c := range []struct{ key, body string }{
		{"", `{"to": "1", "content": "hi", "idempotency_key": "rk"}`},
		{"rk", `{"to": "1", "content": "hi", "idempotency_key": "rk"}`},
		{"", `{"to": "1", "content": "hi", "idempotency-key": "rk"}`},
	} {
		if st, again := send(c.key, c.body); st != 200 || again != first {
			t.Errorf("header %q body %s: %d %q, want %q", c.key, c.body, st, again, first)
		}
	}
	e.wantSubmits(1)
	id := e.b.submits()[0].id
	if st, body := e.send("to", "1", "content", "hi", "idempotency-key", "rk"); st != 200 || successID(t, body) != id {
		t.Errorf("/send with the REST key: %d %q, want %s", st, body, id)
	}
	// Bad keys: 400, nothing sent.
	for _, c := range []struct{ key, body, want string }{
		{"a", `{"to": "1", "content": "hi", "idempotency_key": "b"}`,
			`{"message": "Error \"Argument [idempotency-key] is given with different values."}`},
		{"", `{"to": "1", "content": "hi", "idempotency_key": "a b"}`,
			`{"message": "Error \"Argument [idempotency-key] has an invalid value: [a b]; it takes 1 to 64 characters of A-Z a-z 0-9 _ . : -."}`},
		{"a;b", `{"to": "1", "content": "hi"}`,
			`{"message": "Error \"Argument [idempotency-key] has an invalid value: [a;b]; it takes 1 to 64 characters of A-Z a-z 0-9 _ . : -."}`},
	} {
		if st, body := send(c.key, c.body); st != 400 || body != c.want {
			t.Errorf("header %q body %s: %d %q, want 400 %q", c.key, c.body, st, body, c.want)
		}
	}
	// A sendbatch message does not take it.
	e.setCred("mt_messaging_cred", "authorization", "http_bulk", "True")
	st, body, _ := e.rest("POST", "/secure/sendbatch", "foo", "bar",
		`{"messages": [{"to": "1", "content": "a", "idempotency_key": "bk"}]}`)
	if st != 400 || body != `{"message": "messages[0]: Argument [idempotency-key] is unknown."}` {
		t.Errorf("sendbatch: %d %q", st, body)
	}
	e.wantSubmits(1)
}

func TestIdempotencyWindow(t *testing.T) {
	for _, durable := range []bool{false, true} {
		name := "memory"
		var keys *durableKeys
		if durable {
			name, keys = "durable", newDurableKeys()
		}
		t.Run(name, func(t *testing.T) {
			c := newClock()
			e := newEnvKeys(t, config.HTTPAPI{}, Options{Now: c.now}, keys)
			_, first := e.send("to", "1", "content", "hi", "idempotency-key", "w")
			c.add(10*time.Minute - time.Second)
			if _, again := e.send("to", "1", "content", "hi", "idempotency-key", "w"); again != first {
				t.Fatalf("within the default 10 minutes: %q, want %q", again, first)
			}
			e.wantSubmits(1)
			c.add(2 * time.Second)
			st, second := e.send("to", "1", "content", "hi", "idempotency-key", "w")
			if st != 200 || successID(t, second) == successID(t, first) {
				t.Fatalf("after the window: %d %q (first %q)", st, second, first)
			}
			e.wantSubmits(2)
			// The new success starts a new window.
			c.add(time.Minute)
			if _, again := e.send("to", "1", "content", "hi", "idempotency-key", "w"); again != second {
				t.Errorf("new window: %q, want %q", again, second)
			}
			e.wantSubmits(2)
		})
	}
	// A window of its own.
	c := newClock()
	e := newEnv(t, config.HTTPAPI{}, Options{Now: c.now, IdempotencyWindow: time.Minute})
	e.send("to", "1", "content", "hi", "idempotency-key", "w")
	c.add(61 * time.Second)
	e.send("to", "1", "content", "hi", "idempotency-key", "w")
	e.wantSubmits(2)
}

// Keys the gateway keeps survive a restart of the Server; keys in memory
// do not.
func TestIdempotencyRestart(t *testing.T) {
	keys := newDurableKeys()
	e := newEnvKeys(t, config.HTTPAPI{}, Options{}, keys)
	_, first := e.send("to", "1", "content", "hi", "idempotency-key", "r")
	var logged lockedBuffer
	e.restart(Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	if st, again := e.send("to", "1", "content", "hi", "idempotency-key", "r"); st != 200 || again != first {
		t.Errorf("after a restart: %d %q, want %q", st, again, first)
	}
	e.wantSubmits(1)

	// A key the gateway could not save: the message is still answered as
	// sent, and the memory recognises its retry.
	keys.mu.Lock()
	keys.fail = errors.New("disk full")
	keys.mu.Unlock()
	st, body := e.send("to", "1", "content", "hi", "idempotency-key", "unsaved")
	if st != 200 {
		t.Fatalf("unsaved key: %d %q", st, body)
	}
	if _, again := e.send("to", "1", "content", "hi", "idempotency-key", "unsaved"); again != body {
		t.Errorf("unsaved key's retry: %q, want %q", again, body)
	}
	e.wantSubmits(2)
	if l := logged.String(); !strings.Contains(l, "idempotency-key not saved") || !strings.Contains(l, "disk full") ||
		!strings.Contains(l, successID(t, body)) {
		t.Errorf("the failed save is not logged: %q", l)
	}

	m := newEnv(t, config.HTTPAPI{}, Options{})
	m.send("to", "1", "content", "hi", "idempotency-key", "r")
	m.restart(Options{})
	m.send("to", "1", "content", "hi", "idempotency-key", "r")
	m.wantSubmits(2)
}

// The memory holds at most IdempotencyCapacity keys, the newest.
func TestIdempotencyCapacity(t *testing.T) {
	opts := Options{IdempotencyCapacity: 64}
	opts.defaults()
	tbl := newIdemTable(&fakeBackend{}, &opts)
	deadline := time.Now().Add(time.Second)
	for i := range 5000 {
		key := scopedKey("u1", []byte("k"+itoa(i)))
		_, h, v := tbl.begin(key, 7, deadline)
		if v != idemNew || h == nil {
			t.Fatalf("key %d: hold %v verdict %v", i, h, v)
		}
		h.finish("id"+itoa(i), nil)
	}
	total, queued := 0, 0
	for i := range tbl.shards {
		sh := &tbl.shards[i]
		total += len(sh.known)
		queued += len(sh.order) - sh.head
		if len(sh.holds) != 0 {
			t.Errorf("shard %d holds %d keys", i, len(sh.holds))
		}
		if cap(sh.order) > 4*64 {
			t.Errorf("shard %d: order grew to %d", i, cap(sh.order))
		}
	}
	if total > 64 || queued > 64 {
		t.Errorf("%d keys kept (%d queued), capacity 64", total, queued)
	}
	if id, h, _ := tbl.begin(scopedKey("u1", []byte("k4999")), 7, deadline); id != "id4999" || h != nil {
		t.Errorf("newest key: %q %v", id, h)
	}
	if id, h, _ := tbl.begin(scopedKey("u1", []byte("k0")), 7, deadline); id != "" || h == nil {
		t.Errorf("oldest key still known: %q", id)
	} else {
		h.finish("", nil)
	}
}

// A key reused with other parameters is refused 422 and sends nothing:
// answering the first message's id would silently drop the new one. The
// credentials are not parameters; a key kept before fingerprints existed
// matches any request.
func TestIdempotencyDifferentParameters(t *testing.T) {
	keys := newDurableKeys()
	e := newEnvKeys(t, config.HTTPAPI{}, Options{}, keys)
	st, first := e.send("to", "1", "content", "hi", "idempotency-key", "k1")
	if st != 200 {
		t.Fatalf("%d %q", st, first)
	}
	const want = `Error "Request with this idempotency-key has different parameters"`
	for _, args := range [][]string{
		{"to", "2", "content", "hi"},
		{"to", "1", "content", "bye"},
		{"to", "1", "content", "hi", "dlr", "yes", "dlr-url", "http://x/", "dlr-level", "2"},
		{"to", "1", "content", "hi", "priority", "2"},
	} {
		if st, body := e.send(append(args, "idempotency-key", "k1")...); st != 422 || body != want {
			t.Errorf("%v: %d %q, want 422 %q", args, st, body, want)
		}
	}
	// The same parameters in another order, as a POST form: the replay.
	if st, again := e.postForm("/send", url.Values{"content": {"hi"}, "to": {"1"}, "password": {"bar"},
		"username": {"foo"}, "idempotency-key": {"k1"}}); st != 200 || again != first {
		t.Errorf("same parameters: %d %q, want %q", st, again, first)
	}
	e.wantSubmits(1)

	// After a restart the stored fingerprint still tells them apart.
	e.restart(Options{})
	if st, body := e.send("to", "1", "content", "bye", "idempotency-key", "k1"); st != 422 || body != want {
		t.Errorf("after a restart: %d %q", st, body)
	}
	if st, again := e.send("to", "1", "content", "hi", "idempotency-key", "k1"); st != 200 || again != first {
		t.Errorf("after a restart, same parameters: %d %q", st, again)
	}
	// A key saved without a fingerprint (an older gwd) answers any request.
	old := encodeIdem("old-id", time.Now(), 0)
	old = old[:strings.LastIndexByte(old, ' ')]
	keys.mu.Lock()
	keys.m["u1/legacy"] = old
	keys.mu.Unlock()
	if st, body := e.send("to", "9", "content", "x", "idempotency-key", "legacy"); st != 200 || body != `Success "old-id"` {
		t.Errorf("legacy key: %d %q", st, body)
	}
	e.wantSubmits(1)
}
