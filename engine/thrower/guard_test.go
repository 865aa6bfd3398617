package thrower

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gwd-project/gwd/engine/egress"
)

func guardOf(t *testing.T, o egress.Options) *egress.Guard {
	t.Helper()
	g, err := egress.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestUserURLToLoopbackNotConnected: a callback whose URL an API user gave
// (a dlr-url) is never sent to a loopback receiver under the default rule;
// it fails like an unreachable receiver and is given up after max_retries.
// The same URL configured by an administrator (UserURL false) is sent.
func TestUserURLToLoopbackNotConnected(t *testing.T) {
	rc := newReceiver(t, ack)
	th := start(t, Config{Policies: policies(fast(1))})
	throw(t, th, &Callback{Kind: DLR, Method: "POST", URL: rc.url("/user"), UserURL: true, Ref: "u1"})
	throw(t, th, &Callback{Kind: MO, Method: "POST", URL: rc.url("/admin"), Ref: "a1"})
	waitFor(t, "the user callback given up", func() bool { return th.Stats().DLR.Failed == 1 })
	waitFor(t, "the admin callback delivered", func() bool { return th.Stats().MO.Delivered == 1 })
	if n := rc.count("/user"); n != 0 {
		t.Fatalf("the receiver on 127.0.0.1 got %d requests for a user's URL", n)
	}
	if e := th.Stats().DLR.LastError; !strings.Contains(e, "loopback") {
		t.Errorf("last error %q does not say why", e)
	}
}

// TestUserURLAllowedNetwork: with 127.0.0.0/8 allowed, the user's callback
// is delivered.
func TestUserURLAllowedNetwork(t *testing.T) {
	rc := newReceiver(t, ack)
	g := guardOf(t, egress.Options{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	th := start(t, Config{Policies: policies(fast(0)), Guard: g})
	throw(t, th, &Callback{Kind: DLR, Method: "GET", URL: rc.url("/dlr"), UserURL: true, Params: []Param{{"id", "1"}}})
	waitFor(t, "delivered", func() bool { return th.Stats().DLR.Delivered == 1 })
	if n := rc.count("/dlr"); n != 1 {
		t.Fatalf("receiver got %d requests, want 1", n)
	}
}

// TestUserURLRebindingAtConnect: a name that resolves to a public address
// when the API accepted it and to 127.0.0.1 when the thrower connects is
// not connected to.
func TestUserURLRebindingAtConnect(t *testing.T) {
	rc := newReceiver(t, ack)
	_, port, _ := net.SplitHostPort(rc.srv.Listener.Addr().String())
	var lookups atomic.Int32
	g := guardOf(t, egress.Options{Resolver: egress.ResolverFunc(func(context.Context, string, string) ([]netip.Addr, error) {
		if lookups.Add(1) == 1 {
			return []netip.Addr{netip.MustParseAddr("93.184.216.34")}, nil
		}
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	})})
	u := "http://rebind.test:" + port + "/dlr"
	if err := g.CheckURL(u); err != nil {
		t.Fatalf("API-time check refused: %v", err)
	}
	th := start(t, Config{Policies: policies(fast(1)), Guard: g})
	throw(t, th, &Callback{Kind: DLR, Method: "POST", URL: u, UserURL: true})
	waitFor(t, "given up", func() bool { return th.Stats().DLR.Failed == 1 })
	if n := rc.count("/dlr"); n != 0 {
		t.Fatalf("the receiver on 127.0.0.1 got %d requests", n)
	}
	if n := lookups.Load(); n < 3 {
		t.Fatalf("%d lookups: each attempt must resolve (1 at the API, 2 attempts)", n)
	}
}

// TestRecordV1DLRIsUserURL: a DLR record stored by a version without the
// flag is treated as an API user's URL; other kinds are not.
func TestRecordV1DLRIsUserURL(t *testing.T) {
	for _, tc := range []struct {
		kind Kind
		want bool
	}{{DLR, true}, {MO, false}, {Event, false}} {
		cb := &Callback{Kind: tc.kind, Method: "POST", URL: "http://h/x"}
		m, a, err := cb.check()
		if err != nil {
			t.Fatal(err)
		}
		v3 := appendRecord(nil, cb, m, a)
		v1 := append([]byte{1}, v3[1:offFlags]...)
		v1 = append(v1, v3[headerLen:]...)
		var r record
		if err := r.decode(v1); err != nil {
			t.Fatal(err)
		}
		if r.userURL != tc.want || string(r.url) != cb.URL {
			t.Errorf("%s v1: userURL %v url %q, want %v", tc.kind, r.userURL, r.url, tc.want)
		}
		if nb, url, ok := peekRecord(v1); !ok || nb != 0 || string(url) != cb.URL {
			t.Errorf("%s v1: peek %v %q %v", tc.kind, nb, url, ok)
		}
		cb.UserURL = true
		v3 = appendRecord(nil, cb, m, a)
		if err := r.decode(v3); err != nil || !r.userURL {
			t.Errorf("%s v3 with UserURL: %v %v", tc.kind, r.userURL, err)
		}
		v3[offFlags] = 0x80
		if err := r.decode(v3); err == nil {
			t.Errorf("%s: unknown flag accepted", tc.kind)
		}
	}
}
