package thrower

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// hanging is a receiver that holds every request until release is closed,
// then acknowledges it, and counts the requests it holds.
type hanging struct {
	*receiver
	release chan struct{}
	once    sync.Once
	held    atomic.Int32
}

func newHanging(t *testing.T) *hanging {
	h := &hanging{release: make(chan struct{})}
	h.receiver = newReceiver(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		h.held.Add(1)
		<-h.release
		h.held.Add(-1)
		io.WriteString(w, "ACK/Jasmin")
	})
	return h
}

func (h *hanging) let() { h.once.Do(func() { close(h.release) }) }

// hangAll makes the test's end release the hanging receivers before the
// Thrower closes (cleanups run last registered first).
func hangAll(t *testing.T, hs ...*hanging) {
	t.Cleanup(func() {
		for _, h := range hs {
			h.let()
		}
	})
}

func TestDeadReceiverDoesNotDelayOthers(t *testing.T) {
	dead := newHanging(t)
	healthy := newReceiver(t, ack)
	// http_timeout is an hour: the dead receiver's requests never time out
	// during the test.
	th := start(t, Config{Policies: policies(Policy{Timeout: time.Hour, RetryDelay: time.Hour, MaxRetries: 3})})
	hangAll(t, dead)
	for i := range 100 {
		throw(t, th, &Callback{Kind: DLR, Method: "POST", URL: dead.url("/dlr"), Params: []Param{{"id", "dead-" + strconv.Itoa(i)}}})
	}
	for i := range 20 {
		throw(t, th, &Callback{Kind: DLR, Method: "GET", URL: healthy.url("/dlr"), Params: []Param{{"id", "ok-" + strconv.Itoa(i)}}})
	}
	waitFor(t, "the 20 healthy callbacks delivered", func() bool { return healthy.count("/dlr") == 20 && th.Stats().DLR.Delivered == 20 })
	waitFor(t, "the dead receiver holding PerHost requests", func() bool { return dead.held.Load() == DefaultPerHost })
	s := th.Stats().DLR
	if n := dead.count("/dlr"); n != DefaultPerHost || s.InFlight != DefaultPerHost || s.Waiting != 100-DefaultPerHost ||
		s.Queued != 100 || s.Delivered != 20 || s.Retries != 0 || s.Failed != 0 {
		t.Fatalf("dead receiver saw %d requests; stats %+v; want %d in flight, %d waiting, 100 queued",
			n, s, DefaultPerHost, 100-DefaultPerHost)
	}
	// Once it answers, the waiting ones follow: none was lost.
	dead.let()
	waitFor(t, "every callback delivered", func() bool { return th.Stats().DLR.Delivered == 120 })
	s = th.Stats().DLR
	if n := dead.count("/dlr"); n != 100 || s.Queued != 0 || s.Waiting != 0 || s.InFlight != 0 {
		t.Fatalf("dead receiver saw %d requests; stats %+v", n, s)
	}
	seen := map[string]bool{}
	for _, h := range dead.all() {
		seen[h.Body] = true
	}
	if len(seen) != 100 {
		t.Fatalf("%d distinct callbacks reached the receiver, want 100", len(seen))
	}
}

func TestPerHostBoundsEachDestination(t *testing.T) {
	a, b := newHanging(t), newHanging(t)
	th := start(t, Config{Policies: policies(fast(0)), Workers: 5, PerHost: 2})
	hangAll(t, a, b)
	for i := range 6 {
		throw(t, th, &Callback{Kind: MO, Method: "POST", URL: a.url("/mo"), Params: []Param{{"n", strconv.Itoa(i)}}})
		throw(t, th, &Callback{Kind: MO, Method: "POST", URL: b.url("/mo"), Params: []Param{{"n", strconv.Itoa(i)}}})
	}
	waitFor(t, "two requests held by each receiver", func() bool { return a.held.Load() == 2 && b.held.Load() == 2 })
	time.Sleep(100 * time.Millisecond) // room for a third, were the bound broken (a worker is free)
	if s := th.Stats().MO; a.count("/mo") != 2 || b.count("/mo") != 2 || s.InFlight != 4 || s.Waiting != 8 {
		t.Fatalf("receivers saw %d and %d requests with PerHost 2; stats %+v", a.count("/mo"), b.count("/mo"), s)
	}
	a.let()
	waitFor(t, "a's callbacks delivered", func() bool { return a.count("/mo") == 6 && th.Stats().MO.Delivered == 6 })
	if n := b.count("/mo"); n != 2 {
		t.Fatalf("b saw %d requests while it held 2", n)
	}
	b.let()
	waitFor(t, "all delivered", func() bool { return th.Stats().MO.Delivered == 12 })
}

func TestSameDestinationWhateverTheURL(t *testing.T) {
	h := newHanging(t)
	th := start(t, Config{Policies: policies(fast(0)), Workers: 4, PerHost: 1})
	hangAll(t, h)
	host, port, _ := net.SplitHostPort(h.srv.Listener.Addr().String())
	if host != "127.0.0.1" {
		t.Skipf("listener on %s", host)
	}
	// Different paths, queries, credentials and case: one destination.
	for _, u := range []string{
		"http://127.0.0.1:" + port + "/a?x=1",
		"HTTP://user:pw@127.0.0.1:" + port + "/b",
		"http://127.0.0.1:" + port + "#frag",
	} {
		throw(t, th, &Callback{Kind: Event, Method: "POST", URL: u, Body: []byte(`{}`)})
	}
	waitFor(t, "one request held", func() bool { return h.held.Load() == 1 && th.Stats().Event.Waiting == 2 })
	time.Sleep(100 * time.Millisecond) // room for a second, were the URLs told apart
	if n := len(h.all()); n != 1 {
		t.Fatalf("%d requests to one destination with PerHost 1", n)
	}
	h.let()
	waitFor(t, "all delivered", func() bool { return th.Stats().Event.Delivered == 3 })
}

func TestCloseGivesWaitingCallbacksBack(t *testing.T) {
	h := newHanging(t)
	hangAll(t, h)
	db := openDB(t, t.TempDir())
	defer db.Close()
	cfg := Config{Policies: policies(fast(0)), Workers: 4, PerHost: 2}
	th, err := Open(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		throw(t, th, &Callback{Kind: DLR, Method: "POST", URL: h.url("/dlr"), Params: []Param{{"n", strconv.Itoa(i)}}})
	}
	waitFor(t, "two in flight, eight waiting", func() bool { return h.held.Load() == 2 && th.Stats().DLR.Waiting == 8 })
	closed := make(chan error, 1)
	go func() { closed <- th.Close() }()
	waitFor(t, "Close under way", th.closed.Load)
	h.let() // the two in flight finish; Close must not start the waiting ones
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if n, s := h.count("/dlr"), th.Stats().DLR; n != 2 || s.Delivered != 2 || s.Queued != 8 || s.Waiting != 0 {
		t.Fatalf("after Close: %d requests, stats %+v; want 2 delivered, 8 queued", n, s)
	}
	// The same store, a new Thrower: the eight were given back, not left
	// leased.
	th, err = Open(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer th.Close()
	waitFor(t, "the eight delivered", func() bool { return th.Stats().DLR.Delivered == 8 })
	if n := h.count("/dlr"); n != 10 {
		t.Fatalf("receiver saw %d requests, want 10", n)
	}
}

func TestDestKey(t *testing.T) {
	for url, want := range map[string]string{
		"http://example.com/dlr":                   "example.com:80",
		"https://example.com/dlr":                  "example.com:443",
		"HTTPS://Example.COM":                      "example.com:443",
		"http://EXAMPLE.com:8080?x=1":              "example.com:8080",
		"http://u:p@example.com:81/a#b":            "example.com:81",
		"http://u:p@x@example.com/":                "example.com:80",
		"http://example.com#x:99":                  "example.com:80",
		"http://example.com?x=a:99@b:7":            "example.com:80",
		"http://[::1]:8080/x":                      "[::1]:8080",
		"https://[2001:DB8::1]/x":                  "[2001:db8::1]:443",
		"http://127.0.0.1:1401/send?to=1&from=2:3": "127.0.0.1:1401",
	} {
		if got := string(destKey(nil, []byte(url))); got != want {
			t.Errorf("destKey(%q) = %q, want %q", url, got, want)
		}
	}
}

// FuzzDestKey: for every URL a Callback may carry, the destination is the
// host net/url finds (lower case) and its port or the scheme's.
func FuzzDestKey(f *testing.F) {
	for _, s := range []string{"http://example.com/dlr", "https://u:p@[::1]:8443/x?y#z", "HTTP://A.b:1", "http://h?@x:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		key := string(destKey(nil, []byte(s)))
		if CheckURL(s) != nil {
			return
		}
		u, err := url.Parse(s)
		if err != nil {
			t.Fatalf("checkURL accepted %q that url.Parse refuses: %v", s, err)
		}
		_, authority, _ := strings.Cut(s, "://")
		if i := strings.IndexAny(authority, "/?#"); i >= 0 {
			authority = authority[:i]
		}
		if strings.Contains(authority, "%") || strings.ContainsAny(u.Hostname(), "[]") {
			return // escaped or odd hosts: net/url unescapes, the key keeps them as sent
		}
		port := u.Port()
		if port == "" {
			port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
		}
		lower := []byte(u.Hostname()) // ASCII letters only, as hosts are sent
		for i, c := range lower {
			if 'A' <= c && c <= 'Z' {
				lower[i] = c + 'a' - 'A'
			}
		}
		if want := net.JoinHostPort(string(lower), port); key != want {
			t.Fatalf("destKey(%q) = %q, net/url says %q", s, key, want)
		}
	})
}
