package httpapi

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gwd-project/gwd/engine/egress"
	"github.com/gwd-project/gwd/engine/thrower"
	"github.com/gwd-project/gwd/store"
)

// openBatchThrower opens the thrower that makes a test Server's batch
// callbacks: quick retries, a long timeout (a black-holed receiver's
// requests hang until the test closes it), 4 requests per destination.
func openBatchThrower(t *testing.T, db *store.DB, guard *egress.Guard) *thrower.Thrower {
	t.Helper()
	p := thrower.Policy{Timeout: 30 * time.Second, RetryDelay: 20 * time.Millisecond, MaxRetries: 2,
		MaxRetryDelay: 160 * time.Millisecond, TTL: 10 * time.Minute}
	th, err := thrower.Open(db, thrower.Config{Workers: 16, PerHost: 4, Guard: guard,
		Policies: map[thrower.Kind]thrower.Policy{thrower.Batch: p}})
	if err != nil {
		t.Fatal(err)
	}
	return th
}

// cbReceiver is a batch callback receiver that can be down (answering
// 503) and accepts with 202 and a body that is not ACK/Jasmin.
type cbReceiver struct {
	srv      *httptest.Server
	down     atomic.Bool
	refused  atomic.Int64
	mu       sync.Mutex
	accepted map[string][]string // by "to": "GET path?query" of each accepted call
}

func newCBReceiver(t *testing.T) *cbReceiver {
	r := &cbReceiver{accepted: map[string][]string{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if r.down.Load() {
			r.refused.Add(1)
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		r.mu.Lock()
		to := req.URL.Query().Get("to")
		r.accepted[to] = append(r.accepted[to], req.Method+" "+req.URL.RequestURI())
		r.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, "queued")
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *cbReceiver) calls() map[string][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string][]string, len(r.accepted))
	for k, v := range r.accepted {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// settled waits until the thrower holds no batch callback.
func (e *env) settled() {
	e.t.Helper()
	waitFor(e.t, "batch callbacks settled", func() bool { return e.th.Stats().Batch.Queued == 0 })
}

// A receiver down while a batch runs gets every callback once it is up:
// once per message, batchId, to, status and statusText in Jasmin's order
// after the URL's own query, any 2xx accepted.
func TestBatchCallbacksReceiverDownThenUp(t *testing.T) {
	e := bulkEnv(t, Options{})
	rcv := newCBReceiver(t)
	rcv.down.Store(true)
	e.b.mu.Lock()
	e.b.refuseTo = map[string]error{"33333332": routeRefusal{}}
	e.b.mu.Unlock()
	a := e.sendBatch(`{"batch_config": {"callback_url": "` + rcv.srv.URL + `/ok?k=v", "errback_url": "` + rcv.srv.URL + `/err"},
  "messages": [{"to": ["33333331", "33333332", "33333333", "33333334"], "content": "hi there"}]}`)
	e.waitState(a.Data.BatchID, stateDone)
	waitFor(t, "every callback tried while the receiver is down", func() bool { return rcv.refused.Load() >= 4 })
	rcv.down.Store(false)
	waitFor(t, "4 callbacks accepted", func() bool { return len(rcv.calls()) == 4 })
	e.settled()
	ids := map[string]string{}
	for _, s := range e.b.submits() {
		ids[string(s.parts[0].Dest.Addr)] = s.id
	}
	for to, got := range rcv.calls() {
		want := "GET /ok?k=v&batchId=" + a.Data.BatchID + "&to=" + to + "&status=1&statusText=Success+%22" + ids[to] + "%22"
		if to == "33333332" {
			want = "GET /err?batchId=" + a.Data.BatchID + "&to=" + to + "&status=0&statusText=Error+%22No+route+found%22"
		}
		if len(got) != 1 || got[0] != want {
			t.Errorf("to %s: accepted %q, want once %q", to, got, want)
		}
	}
	if st := e.th.Stats().Batch; st.Delivered != 4 || st.Retries == 0 || st.DeadLetters != 0 {
		t.Errorf("thrower batch stats %+v", st)
	}
}

// A receiver answering 10 MiB is read no further than the thrower's
// answer limit: the attempt fails on the limit (and is retried), nothing
// is accepted.
func TestBatchCallbackHugeAnswerBounded(t *testing.T) {
	e := bulkEnv(t, Options{})
	var served atomic.Int64
	huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		served.Add(1)
		w.Header().Set("Content-Length", "10485760")
		chunk := make([]byte, 64<<10)
		for range 160 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	t.Cleanup(huge.Close)
	e.sendBatch(`{"batch_config": {"callback_url": "` + huge.URL + `/cb"}, "messages": [{"to": "1", "content": "a"}]}`)
	waitFor(t, "an attempt failed on the answer limit", func() bool {
		return strings.Contains(e.th.Stats().Batch.LastError, "body size exceeds the given limit")
	})
	if st := e.th.Stats().Batch; st.Delivered != 0 || served.Load() == 0 {
		t.Errorf("stats %+v, served %d", st, served.Load())
	}
}

// blackHole accepts connections and never answers; closed counts those
// the client gave up on.
type blackHole struct {
	ln       net.Listener
	mu       sync.Mutex
	conns    []net.Conn
	accepted atomic.Int64
	closed   atomic.Int64
}

func newBlackHole(t *testing.T) *blackHole {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &blackHole{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			h.mu.Lock()
			h.conns = append(h.conns, c)
			h.mu.Unlock()
			h.accepted.Add(1)
			go func() {
				_, _ = io.Copy(io.Discard, c) // until the client closes
				h.closed.Add(1)
			}()
		}
	}()
	return h
}

func (h *blackHole) close() {
	_ = h.ln.Close()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.conns {
		_ = c.Close()
	}
}

// A black-holed receiver holds its own destination's requests only:
// another batch's callbacks arrive while every request to it still hangs.
func TestBatchCallbackBlackHoleIsolated(t *testing.T) {
	e := bulkEnv(t, Options{})
	hole := newBlackHole(t)
	t.Cleanup(hole.close) // before the env's cleanup: the hanging requests end
	rcv := newCBReceiver(t)
	e.sendBatch(`{"batch_config": {"callback_url": "http://` + hole.ln.Addr().String() + `/a"},
  "messages": [{"to": ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"], "content": "a"}]}`)
	waitFor(t, "4 requests hanging in the black hole", func() bool { return hole.accepted.Load() >= 4 })
	e.sendBatch(`{"batch_config": {"callback_url": "` + rcv.srv.URL + `/b"},
  "messages": [{"to": ["21", "22", "23"], "content": "b"}]}`)
	waitFor(t, "the other batch's 3 callbacks", func() bool { return len(rcv.calls()) == 3 })
	if n := hole.closed.Load(); n != 0 {
		t.Errorf("%d black-holed requests ended before the other batch's callbacks arrived", n)
	}
	if n := hole.accepted.Load(); n > 4 {
		t.Errorf("%d connections to the black hole: more than PerHost (4)", n)
	}
}

// Callbacks stored before a restart (the receiver down) are made after
// it, with those of the messages the resumed batch sends: each once.
func TestBatchCallbacksAfterRestart(t *testing.T) {
	e := bulkEnv(t, Options{BatchRate: 5, BatchWindow: 1})
	rcv := newCBReceiver(t)
	rcv.down.Store(true)
	var to []string
	for i := range 10 {
		to = append(to, `"`+itoa(1000+i)+`"`)
	}
	a := e.sendBatch(`{"batch_config": {"callback_url": "` + rcv.srv.URL + `/cb"},
  "messages": [{"to": [` + strings.Join(to, ",") + `], "content": "x"}]}`)
	waitFor(t, "three messages sent", func() bool { return e.progress(a.Data.BatchID).Sent >= 3 })
	waitFor(t, "a callback refused", func() bool { return rcv.refused.Load() >= 1 })
	e.restart(Options{BatchRate: 1000})
	rcv.down.Store(false)
	e.waitState(a.Data.BatchID, stateDone)
	waitFor(t, "10 callbacks accepted", func() bool { return len(rcv.calls()) == 10 })
	e.settled()
	for d, got := range rcv.calls() {
		if len(got) != 1 || !strings.Contains(got[0], "&status=1&") {
			t.Errorf("to %s: accepted %q, want one success", d, got)
		}
	}
}

// Without a thrower a batch asking for callbacks is refused rather than
// run without them; one without callbacks runs.
func TestSendBatchCallbacksNeedThrower(t *testing.T) {
	e := bulkEnv(t, Options{})
	e.noThrower = true
	e.restart(Options{})
	st, body, _ := e.rest("POST", "/secure/sendbatch", "foo", "bar",
		`{"batch_config": {"errback_url": "http://h/err"}, "messages": [{"to": "1", "content": "a"}]}`)
	if st != 503 || body != `{"message": "Batch callbacks need the callback thrower"}` {
		t.Errorf("%d %s", st, body)
	}
	e.sendBatch(`{"messages": [{"to": "1", "content": "a"}]}`)
}
