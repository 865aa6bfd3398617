package thrower

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/store"
)

func configThrower(timeout, delay, retries int) config.Thrower {
	return config.Thrower{HTTPTimeoutSecs: timeout, RetryDelaySecs: delay, MaxRetries: retries}
}

// hit is one request as the receiver saw it.
type hit struct {
	Method, Path, RawQuery, Body, ContentType, UserAgent, Accept, Auth string
	RequestURI                                                         string // as on the request line
	Timestamp, Signature                                               string // X-Gwd-Timestamp, X-Gwd-Signature
}

// receiver is an HTTP server on 127.0.0.1 that records every request and
// answers with answer(n, w, r), n counting the requests to r's path from 1.
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	hits   []hit
	byPath map[string]int
	answer func(n int, w http.ResponseWriter, r *http.Request)
}

func newReceiver(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request)) *receiver {
	rc := &receiver{byPath: map[string]int{}, answer: answer}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h := hit{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Body: string(body),
			ContentType: r.Header.Get("Content-Type"), UserAgent: r.UserAgent(), Accept: r.Header.Get("Accept"),
			Auth: r.Header.Get("Authorization"), RequestURI: r.RequestURI,
			Timestamp: r.Header.Get("X-Gwd-Timestamp"), Signature: r.Header.Get("X-Gwd-Signature")}
		rc.mu.Lock()
		rc.hits = append(rc.hits, h)
		rc.byPath[r.URL.Path]++
		n := rc.byPath[r.URL.Path]
		rc.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body)) // the answer may read it again
		rc.answer(n, w, r)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) url(path string) string { return rc.srv.URL + path }

func (rc *receiver) count(path string) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.byPath[path]
}

func (rc *receiver) all() []hit {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]hit(nil), rc.hits...)
}

func ack(_ int, w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ACK/Jasmin") }

// fast is a policy for tests: short retry delay, generous timeout.
func fast(maxRetries int) Policy {
	return Policy{Timeout: 5 * time.Second, RetryDelay: 20 * time.Millisecond, MaxRetries: maxRetries}
}

func policies(p Policy) map[Kind]Policy { return map[Kind]Policy{DLR: p, MO: p, Event: p} }

func openDB(t testing.TB, dir string) *store.DB {
	t.Helper()
	db, err := store.Open(dir, store.Options{NoSync: true, MemTableSize: 4 << 20})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// start opens a store in a fresh directory and a Thrower on it; both close
// at the end of the test.
func start(t *testing.T, cfg Config) *Thrower {
	t.Helper()
	db := openDB(t, t.TempDir())
	th, err := Open(db, cfg)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		th.Close()
		db.Close()
	})
	return th
}

// throw stores cb and fails the test unless the store takes it.
func throw(t *testing.T, th *Thrower, cb *Callback) {
	t.Helper()
	errc := make(chan error, 1)
	th.Throw(cb, func(err error) { errc <- err })
	if err := <-errc; err != nil {
		t.Fatalf("Throw: %v", err)
	}
}

// waitFor polls cond for up to 10 s: a generous limit, not a measurement.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 1000 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestGETCarriesParamsInQuery(t *testing.T) {
	rc := newReceiver(t, ack)
	th := start(t, Config{Policies: policies(fast(3))})
	throw(t, th, &Callback{Kind: DLR, Method: "GET", URL: rc.url("/dlr?account=7&x=a%20b#frag"), Ref: "m1",
		Params: []Param{
			{"id", "16fd2706-8baf-433b-82eb-8c7fada847da"},
			{"message_status", "DELIVRD"},
			{"text", "héllo wörld & co=1+2/?#%~_.-"},
			{"empty", ""},
		}})
	waitFor(t, "the DLR delivered", func() bool { return th.Stats().DLR.Delivered == 1 })
	hits := rc.all()
	if len(hits) != 1 {
		t.Fatalf("receiver saw %d requests, want 1: %+v", len(hits), hits)
	}
	h := hits[0]
	want := "account=7&x=a%20b&id=16fd2706-8baf-433b-82eb-8c7fada847da&message_status=DELIVRD" +
		"&text=h%C3%A9llo+w%C3%B6rld+%26+co%3D1%2B2%2F%3F%23%25~_.-&empty="
	if h.Method != "GET" || h.Path != "/dlr" || h.RawQuery != want || h.Body != "" {
		t.Fatalf("receiver saw %s %s ? %q body %q\nwant GET /dlr ? %q", h.Method, h.Path, h.RawQuery, h.Body, want)
	}
	if h.UserAgent != "Jasmin gateway/1.0 DLRThrower" || h.Accept != "text/plain" {
		t.Fatalf("user agent %q, accept %q", h.UserAgent, h.Accept)
	}
	if s := th.Stats().DLR; s.Queued != 0 || s.Retries != 0 || s.Failed != 0 {
		t.Fatalf("stats after one delivery: %+v", s)
	}
}

func TestGETWithoutParamsAndURLEndingInQuery(t *testing.T) {
	rc := newReceiver(t, ack)
	th := start(t, Config{Policies: policies(fast(0))})
	throw(t, th, &Callback{Kind: MO, Method: "get", URL: rc.url("/a?"), Params: []Param{{"k", "v"}}})
	throw(t, th, &Callback{Kind: MO, Method: "GET", URL: rc.url("/b?x=1&"), Params: []Param{{"k", "v"}}})
	throw(t, th, &Callback{Kind: MO, Method: "GET", URL: rc.url("/c?x=1")})
	// The path travels as given, not normalized.
	throw(t, th, &Callback{Kind: MO, Method: "GET", URL: rc.url("/d//e%2Ff"), Params: []Param{{"k", "v"}}})
	waitFor(t, "four MOs", func() bool { return th.Stats().MO.Delivered == 4 })
	got := map[string]string{}
	for _, h := range rc.all() {
		got[h.Path] = h.RawQuery
		if strings.HasPrefix(h.Path, "/d") && h.RequestURI != "/d//e%2Ff?k=v" {
			t.Errorf("request line carried %q, want /d//e%%2Ff?k=v", h.RequestURI)
		}
	}
	if got["/a"] != "k=v" || got["/b"] != "x=1&k=v" || got["/c"] != "x=1" {
		t.Fatalf("queries %q", got)
	}
}

func TestPOSTCarriesFormBody(t *testing.T) {
	rc := newReceiver(t, ack)
	th := start(t, Config{Policies: policies(fast(3))})
	throw(t, th, &Callback{Kind: MO, Method: "POST", URL: rc.url("/mo?keep=1"), Ref: "mo-1",
		Params: []Param{
			{"id", "abc"}, {"from", "+21620203060"}, {"to", "20203060"}, {"origin-connector", "smsc 1"},
			{"content", "Hello world !"}, {"binary", "48656C6C6F"}, {"coding", "0"},
		}})
	waitFor(t, "the MO delivered", func() bool { return th.Stats().MO.Delivered == 1 })
	h := rc.all()[0]
	want := "id=abc&from=%2B21620203060&to=20203060&origin-connector=smsc+1&content=Hello+world+%21&binary=48656C6C6F&coding=0"
	if h.Method != "POST" || h.Path != "/mo" || h.RawQuery != "keep=1" || h.Body != want {
		t.Fatalf("receiver saw %s %s ? %q body %q\nwant body %q", h.Method, h.Path, h.RawQuery, h.Body, want)
	}
	if h.ContentType != "application/x-www-form-urlencoded" || h.UserAgent != "Jasmin gateway/1.0 deliverSmHttpThrower" {
		t.Fatalf("content type %q, user agent %q", h.ContentType, h.UserAgent)
	}
}

func TestCredentialsInURLSentAsBasicAuth(t *testing.T) {
	rc := newReceiver(t, ack)
	th := start(t, Config{Policies: policies(fast(0))})
	u := strings.Replace(rc.url("/dlr"), "http://", "http://app:s3cret@", 1)
	throw(t, th, &Callback{Kind: DLR, Method: "POST", URL: u, Params: []Param{{"id", "1"}}})
	waitFor(t, "the DLR", func() bool { return th.Stats().DLR.Delivered == 1 })
	if h := rc.all()[0]; h.Auth != "Basic YXBwOnMzY3JldA==" {
		t.Fatalf("Authorization %q", h.Auth)
	}
}

func TestJasminACKRequired(t *testing.T) {
	for _, kind := range []Kind{DLR, MO} {
		t.Run(kind.String(), func(t *testing.T) {
			rc := newReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) {
				switch n {
				case 1:
					io.WriteString(w, "OK") // 200 without the acknowledgement
				case 2:
					w.WriteHeader(http.StatusCreated) // the acknowledgement without 200
					io.WriteString(w, "ACK/Jasmin")
				case 3:
					io.WriteString(w, "ACK/Jasmin and more")
				default:
					io.WriteString(w, " ACK/Jasmin\r\n")
				}
			})
			th := start(t, Config{Policies: policies(fast(5))})
			throw(t, th, &Callback{Kind: kind, Method: "POST", URL: rc.url("/cb"), Params: []Param{{"id", "x"}}})
			waitFor(t, "delivery", func() bool { return th.Stats().Of(kind).Delivered == 1 })
			s := th.Stats().Of(kind)
			if n := rc.count("/cb"); n != 4 || s.Retries != 3 || s.Failed != 0 || s.Queued != 0 {
				t.Fatalf("receiver saw %d attempts, stats %+v; want 4 attempts, 3 retries", n, s)
			}
			if s.LastError == "" || s.LastErrorAt.IsZero() {
				t.Fatalf("no last error in %+v", s)
			}
		})
	}
}

func TestEventAccepts2xxWithoutACK(t *testing.T) {
	rc := newReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	th := start(t, Config{Policies: policies(fast(3))})
	body := []byte(`{"event_type":"submitted","message_id":"msg-1","channel_id":"ch-1","timestamp":"2015-06-15 13:00:00.000000","event_details":{}}`)
	throw(t, th, &Callback{Kind: Event, Method: "POST", URL: rc.url("/events/msg-1"), Body: body,
		ContentType: "application/json; charset=utf-8", Ref: "msg-1"})
	waitFor(t, "the event", func() bool { return th.Stats().Event.Delivered == 1 })
	h := rc.all()[0]
	if h.Method != "POST" || h.Body != string(body) || h.ContentType != "application/json; charset=utf-8" || h.RawQuery != "" {
		t.Fatalf("receiver saw %+v", h)
	}
	if rc.count("/events/msg-1") != 1 || th.Stats().Event.Retries != 0 {
		t.Fatalf("a 204 was not taken as acceptance: %d attempts", rc.count("/events/msg-1"))
	}
}

func TestJSONDefaultContentType(t *testing.T) {
	rc := newReceiver(t, func(int, http.ResponseWriter, *http.Request) {})
	th := start(t, Config{Policies: policies(fast(0))})
	throw(t, th, &Callback{Kind: Event, Method: "POST", URL: rc.url("/mo"), Body: []byte(`{"a":1}`)})
	waitFor(t, "the event", func() bool { return th.Stats().Event.Delivered == 1 })
	if h := rc.all()[0]; h.ContentType != "application/json" || h.Body != `{"a":1}` {
		t.Fatalf("receiver saw %+v", h)
	}
}

func TestRetryAfterFailuresUntilSuccess(t *testing.T) {
	rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		switch n {
		case 1: // connection dropped without an answer
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		case 2:
			w.WriteHeader(http.StatusInternalServerError)
		case 3:
			w.WriteHeader(http.StatusFound) // redirects are not followed
		default:
			w.WriteHeader(http.StatusOK)
		}
	})
	th := start(t, Config{Policies: policies(fast(3))})
	throw(t, th, &Callback{Kind: Event, Method: "POST", URL: rc.url("/ev"), Body: []byte(`{}`)})
	waitFor(t, "delivery", func() bool { return th.Stats().Event.Delivered == 1 })
	if n, s := rc.count("/ev"), th.Stats().Event; n != 4 || s.Retries != 3 || s.Failed != 0 {
		t.Fatalf("receiver saw %d attempts, stats %+v", n, s)
	}
}

func TestTimeoutIsAFailedAttempt(t *testing.T) {
	release := make(chan struct{})
	rc := newReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			<-release // slower than the timeout
		}
		io.WriteString(w, "ACK/Jasmin")
	})
	defer close(release)
	p := Policy{Timeout: 200 * time.Millisecond, RetryDelay: 20 * time.Millisecond, MaxRetries: 1}
	th := start(t, Config{Policies: policies(p)})
	throw(t, th, &Callback{Kind: DLR, Method: "GET", URL: rc.url("/slow"), Params: []Param{{"id", "1"}}})
	waitFor(t, "delivery", func() bool { return th.Stats().DLR.Delivered == 1 })
	if n, s := rc.count("/slow"), th.Stats().DLR; n != 2 || s.Retries != 1 || !strings.Contains(s.LastError, "timeout") {
		t.Fatalf("receiver saw %d attempts, stats %+v", n, s)
	}
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestGiveUpAfterMaxRetries(t *testing.T) {
	for _, maxRetries := range []int{0, 2} {
		for _, privacy := range []bool{false, true} {
			rc := newReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusServiceUnavailable)
				io.WriteString(w, "ACK/Jasmin")
			})
			var logs syncBuffer
			log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
			th := start(t, Config{Policies: policies(fast(maxRetries)), Log: log, Privacy: privacy})
			before := counterValue(t, `thrower_requests_total{kind="dlr",outcome="failed"}`)
			throw(t, th, &Callback{Kind: DLR, Method: "POST", URL: rc.url("/dead?ref=abc"), Ref: "gw-42",
				Params: []Param{{"id", "gw-42"}, {"text", "secret words"}}})
			waitFor(t, "giving up", func() bool { return th.Stats().DLR.Failed == 1 })
			// Ten retry delays later, nothing more has been tried.
			time.Sleep(10 * fast(0).RetryDelay)
			s := th.Stats().DLR
			if n := rc.count("/dead"); n != 1+maxRetries || s.Retries != uint64(maxRetries) || s.Queued != 0 || s.Delivered != 0 {
				t.Fatalf("max_retries %d: receiver saw %d attempts, stats %+v", maxRetries, n, s)
			}
			if got := counterValue(t, `thrower_requests_total{kind="dlr",outcome="failed"}`); got != before+1 {
				t.Fatalf("failed counter went from %v to %v", before, got)
			}
			out := logs.String()
			if strings.Count(out, "\n") != 1 || !strings.Contains(out, "level=WARN") || !strings.Contains(out, "gave up") ||
				!strings.Contains(out, "gw-42") || strings.Contains(out, "secret") {
				t.Fatalf("log: %q", out)
			}
			if strings.Contains(out, "ref=abc") == privacy {
				t.Fatalf("privacy %v, log: %q", privacy, out)
			}
			th.Close()
		}
	}
}

// counterValue reads a metric from the default set as /metrics shows it.
func counterValue(t *testing.T, name string) float64 {
	t.Helper()
	var b bytes.Buffer
	metrics.WritePrometheus(&b, false)
	for _, line := range strings.Split(b.String(), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	return 0
}

func TestMetricsExposed(t *testing.T) {
	rc := newReceiver(t, ack)
	th := start(t, Config{Policies: policies(fast(1))})
	before := counterValue(t, `thrower_requests_total{kind="mo",outcome="ok"}`)
	throw(t, th, &Callback{Kind: MO, Method: "POST", URL: rc.url("/mo"), Params: []Param{{"id", "1"}}})
	waitFor(t, "delivery", func() bool { return th.Stats().MO.Delivered == 1 })
	if got := counterValue(t, `thrower_requests_total{kind="mo",outcome="ok"}`); got != before+1 {
		t.Fatalf("ok counter went from %v to %v", before, got)
	}
	var b bytes.Buffer
	metrics.WritePrometheus(&b, false)
	for _, name := range []string{`thrower_queue_depth{kind="dlr"} 0`, `thrower_requests_total{kind="event",outcome="retry"}`} {
		if !strings.Contains(b.String(), name) {
			t.Fatalf("/metrics lacks %s", name)
		}
	}
}

func TestConcurrencyBoundedByWorkers(t *testing.T) {
	var cur, peak atomic.Int32
	release := make(chan struct{})
	rc := newReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		c := cur.Add(1)
		for {
			p := peak.Load()
			if c <= p || peak.CompareAndSwap(p, c) {
				break
			}
		}
		<-release
		cur.Add(-1)
		io.WriteString(w, "ACK/Jasmin")
	})
	th := start(t, Config{Policies: policies(fast(0)), Workers: 2})
	for i := range 6 {
		throw(t, th, &Callback{Kind: DLR, Method: "GET", URL: rc.url("/dlr"), Params: []Param{{"n", string(rune('a' + i))}}})
	}
	waitFor(t, "two requests in flight", func() bool { return peak.Load() == 2 && th.Stats().DLR.InFlight == 2 })
	time.Sleep(100 * time.Millisecond) // room for a third, were the bound broken
	if p := peak.Load(); p != 2 {
		t.Fatalf("%d requests in flight at once with 2 workers", p)
	}
	close(release)
	waitFor(t, "all delivered", func() bool { return th.Stats().DLR.Delivered == 6 })
	if p := peak.Load(); p > 2 {
		t.Fatalf("%d requests in flight at once with 2 workers", p)
	}
}

func TestRestartResumesWithStoredAttemptCount(t *testing.T) {
	var up atomic.Bool
	rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if up.Load() && r.URL.Path == "/ok" {
			io.WriteString(w, "ACK/Jasmin")
			return
		}
		w.WriteHeader(http.StatusInternalServerError)
	})
	dir := t.TempDir()
	db := openDB(t, dir)
	// First run: every attempt fails, and the next would be in an hour.
	slow := Policy{Timeout: 5 * time.Second, RetryDelay: time.Hour, MaxRetries: 3}
	th, err := Open(db, Config{Policies: policies(slow)})
	if err != nil {
		t.Fatal(err)
	}
	throw(t, th, &Callback{Kind: DLR, Method: "POST", URL: rc.url("/ok"), Params: []Param{{"id", "a"}}})
	throw(t, th, &Callback{Kind: MO, Method: "POST", URL: rc.url("/never"), Params: []Param{{"id", "b"}}})
	waitFor(t, "one failed attempt each", func() bool {
		s := th.Stats()
		return s.DLR.Retries == 1 && s.MO.Retries == 1
	})
	if err := th.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if rc.count("/ok") != 1 || rc.count("/never") != 1 {
		t.Fatalf("first run: %d and %d attempts", rc.count("/ok"), rc.count("/never"))
	}

	// Second run, two hours later: the stored retries are due.
	up.Store(true)
	db = openDB(t, dir)
	defer db.Close()
	later := func() time.Time { return time.Now().Add(2 * time.Hour) }
	th, err = Open(db, Config{Policies: policies(fast(3)), Now: later})
	if err != nil {
		t.Fatal(err)
	}
	defer th.Close()
	waitFor(t, "the DLR delivered and the MO given up", func() bool {
		s := th.Stats()
		return s.DLR.Delivered == 1 && s.MO.Failed == 1
	})
	// The MO had used one attempt of its 1+3 before the restart.
	if a, b := rc.count("/ok"), rc.count("/never"); a != 2 || b != 4 {
		t.Fatalf("attempts: %d to /ok (want 2), %d to /never (want 4 = 1 + max_retries)", a, b)
	}
	if s := th.Stats(); s.DLR.Queued != 0 || s.MO.Queued != 0 {
		t.Fatalf("still queued: %+v", s)
	}
}

func TestRestartWaitsForStoredRetryTime(t *testing.T) {
	rc := newReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	})
	dir := t.TempDir()
	db := openDB(t, dir)
	slow := Policy{Timeout: 5 * time.Second, RetryDelay: time.Hour, MaxRetries: 3}
	th, err := Open(db, Config{Policies: policies(slow)})
	if err != nil {
		t.Fatal(err)
	}
	throw(t, th, &Callback{Kind: DLR, Method: "GET", URL: rc.url("/x"), Params: []Param{{"id", "a"}}})
	waitFor(t, "a failed attempt", func() bool { return th.Stats().DLR.Retries == 1 })
	th.Close()
	db.Close()

	db = openDB(t, dir)
	defer db.Close()
	th, err = Open(db, Config{Policies: policies(fast(3))})
	if err != nil {
		t.Fatal(err)
	}
	defer th.Close()
	time.Sleep(200 * time.Millisecond) // ten of the new retry delays
	if n, s := rc.count("/x"), th.Stats().DLR; n != 1 || s.Queued != 1 {
		t.Fatalf("a retry stored for in an hour was made after a restart: %d attempts, %+v", n, s)
	}
}

func TestThrownBeforeCloseDeliveredAfterReopen(t *testing.T) {
	// The receiver's port is closed during the first run.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	db := openDB(t, dir)
	th, err := Open(db, Config{Policies: policies(Policy{Timeout: time.Second, RetryDelay: time.Hour, MaxRetries: 5})})
	if err != nil {
		t.Fatal(err)
	}
	throw(t, th, &Callback{Kind: Event, Method: "POST", URL: "http://" + addr + "/ev", Body: []byte(`{"id":1}`)})
	waitFor(t, "the refused attempt", func() bool { return th.Stats().Event.Retries == 1 })
	th.Close()
	db.Close()

	var got atomic.Value
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("port %s taken meanwhile: %v", addr, err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.Store(string(b))
	})}
	go srv.Serve(ln)
	defer srv.Close()
	db = openDB(t, dir)
	defer db.Close()
	th, err = Open(db, Config{Policies: policies(fast(5)), Now: func() time.Time { return time.Now().Add(2 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	defer th.Close()
	waitFor(t, "delivery after reopening", func() bool { return th.Stats().Event.Delivered == 1 })
	if b, _ := got.Load().(string); b != `{"id":1}` {
		t.Fatalf("receiver got %q", b)
	}
}

func TestInvalidCallbacksRefused(t *testing.T) {
	th := start(t, Config{Policies: policies(fast(0))})
	long := strings.Repeat("a", MaxURL)
	many := make([]Param, MaxParams+1)
	for i := range many {
		many[i] = Param{"k", "v"}
	}
	cases := map[string]*Callback{
		"nil":                 nil,
		"no kind":             {URL: "http://127.0.0.1/x", Method: "GET"},
		"unknown kind":        {Kind: 9, URL: "http://127.0.0.1/x", Method: "GET"},
		"empty url":           {Kind: DLR, Method: "GET"},
		"relative url":        {Kind: DLR, URL: "/dlr", Method: "GET"},
		"no host":             {Kind: DLR, URL: "http:///dlr", Method: "GET"},
		"ftp":                 {Kind: DLR, URL: "ftp://127.0.0.1/dlr", Method: "GET"},
		"unparseable":         {Kind: DLR, URL: "http://[::1/dlr", Method: "GET"},
		"space in url":        {Kind: DLR, URL: "http://127.0.0.1/a b", Method: "GET"},
		"newline in url":      {Kind: DLR, URL: "http://127.0.0.1/a\r\nX: y", Method: "GET"},
		"long url":            {Kind: DLR, URL: "http://127.0.0.1/" + long, Method: "GET"},
		"no method":           {Kind: DLR, URL: "http://127.0.0.1/x"},
		"PUT":                 {Kind: DLR, URL: "http://127.0.0.1/x", Method: "PUT"},
		"body with GET":       {Kind: Event, URL: "http://127.0.0.1/x", Method: "GET", Body: []byte("{}")},
		"body and params":     {Kind: Event, URL: "http://127.0.0.1/x", Method: "POST", Body: []byte("{}"), Params: []Param{{"a", "b"}}},
		"type without body":   {Kind: Event, URL: "http://127.0.0.1/x", Method: "POST", ContentType: "application/json"},
		"newline in type":     {Kind: Event, URL: "http://127.0.0.1/x", Method: "POST", Body: []byte("{}"), ContentType: "a\r\nb"},
		"empty param key":     {Kind: DLR, URL: "http://127.0.0.1/x", Method: "GET", Params: []Param{{"", "v"}}},
		"too many params":     {Kind: DLR, URL: "http://127.0.0.1/x", Method: "GET", Params: many},
		"unknown accept rule": {Kind: DLR, URL: "http://127.0.0.1/x", Method: "GET", Accept: 7},
	}
	for name, cb := range cases {
		called := false
		th.Throw(cb, func(err error) {
			called = true
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("%s: err %v, want ErrInvalid", name, err)
			}
		})
		if !called {
			t.Errorf("%s: done not called before Throw returned", name)
		}
	}
	s := th.Stats()
	if s.DLR.Queued+s.MO.Queued+s.Event.Queued != 0 {
		t.Fatalf("invalid callbacks were stored: %+v", s)
	}
	th.Close()
	var err error
	th.Throw(&Callback{Kind: DLR, URL: "http://127.0.0.1/x", Method: "GET"}, func(e error) { err = e })
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("Throw after Close: %v", err)
	}
}

func TestOpenRefusesBadConfig(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	for name, cfg := range map[string]Config{
		"negative workers":   {Workers: -1},
		"per-host > workers": {Workers: 4, PerHost: 5},
		"per-host > default": {PerHost: DefaultWorkers + 1},
		"negative per-host":  {PerHost: -1},
		"zero timeout":       {Policies: map[Kind]Policy{MO: {RetryDelay: time.Second}}},
		"negative retries":   {Policies: map[Kind]Policy{DLR: {Timeout: time.Second, MaxRetries: -1}}},
		"section below 1 s":  {DLR: configThrower(0, 30, 3)},
		"negative max_retry": {MO: configThrower(30, 30, -1)},
	} {
		if th, err := Open(db, cfg); err == nil {
			th.Close()
			t.Errorf("%s: Open accepted %+v", name, cfg)
		}
	}
}

func TestCorruptRecordDroppedOnRestart(t *testing.T) {
	rc := newReceiver(t, ack)
	db := openDB(t, t.TempDir())
	defer db.Close()
	q, err := db.Queue("throw/dlr")
	if err != nil {
		t.Fatal(err)
	}
	good := appendRecord(nil, &Callback{Kind: DLR, URL: rc.url("/dlr"), Params: []Param{{"id", "ok"}}}, methodPOST, AcceptJasminACK)
	bad := append([]byte(nil), good[:len(good)-3]...)
	stored := make(chan error, 1)
	q.Append([]store.NewMsg{{Payload: []byte{9, 9, 9}}, {Payload: bad}, {Payload: good}}, store.Write{},
		func(_ []uint64, err error) { stored <- err })
	if err := <-stored; err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	th, err := Open(db, Config{Policies: policies(fast(0)), Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer th.Close()
	waitFor(t, "the good record delivered and the bad dropped", func() bool {
		s := th.Stats().DLR
		return s.Delivered == 1 && s.Corrupt == 2 && s.Queued == 0
	})
	if h := rc.all(); len(h) != 1 || h[0].Body != "id=ok" {
		t.Fatalf("receiver saw %+v", h)
	}
	if n := strings.Count(logs.String(), "level=ERROR"); n != 2 {
		t.Fatalf("want two error lines, log: %s", logs.String())
	}
}

// Of returns kind k's counters.
func (s Stats) Of(k Kind) KindStats {
	switch k {
	case DLR:
		return s.DLR
	case MO:
		return s.MO
	case Event:
		return s.Event
	case Batch:
		return s.Batch
	}
	return KindStats{}
}
