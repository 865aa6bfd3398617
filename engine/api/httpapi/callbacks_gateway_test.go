package httpapi_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/api/admin"
	"github.com/gwd-project/gwd/engine/egress"
	"github.com/gwd-project/gwd/engine/gateway"
	"github.com/gwd-project/gwd/engine/thrower"
	"github.com/gwd-project/gwd/router"
)

// sink is an application's receiver on 127.0.0.1 that counts requests.
func sink(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		_, _ = w.Write([]byte("ACK/Jasmin"))
	}))
	t.Cleanup(s.Close)
	return s, &n
}

func send(t *testing.T, base string, q url.Values) (int, string) {
	t.Helper()
	code, body, err := fasthttp.Get(nil, base+"/send?"+q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	return code, string(body)
}

// TestDLRURLToLoopbackRefusedThroughGateway: with the default [callbacks]
// a /send whose dlr-url is the application's receiver on 127.0.0.1 is
// answered 400 and nothing reaches smppsim (startGateway's tests, which
// allow 127.0.0.0/8, show the same request going through).
func TestDLRURLToLoopbackRefusedThroughGateway(t *testing.T) {
	g, sim, cfg := startGatewayWith(t, func(*config.Config, *gateway.Options) {})
	app, hits := sink(t)
	base, _ := serveAPI(t, cfg, g)
	q := url.Values{"username": {"foo"}, "password": {"bar"}, "to": {"33600000001"},
		"content": {"hi"}, "dlr-url": {app.URL + "/dlr"}, "dlr-level": {"3"}}
	code, body := send(t, base, q)
	want := `Error "Argument [dlr-url] has an invalid value: [` + app.URL + `/dlr]: 127.0.0.1 is a loopback address; callbacks go to public internet addresses only."`
	if code != 400 || body != want {
		t.Fatalf("/send: %d %s\nwant 400 %s", code, body, want)
	}
	time.Sleep(200 * time.Millisecond)
	if n := sim.Stats().Total.SubmitOK; n != 0 {
		t.Fatalf("smppsim got %d submits", n)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the receiver got %d requests", n)
	}
}

// TestDLRURLRebindingThroughGateway: a dlr-url whose name resolves to a
// public address when /send accepts it and to 127.0.0.1 when its receipts
// are thrown: the message goes, its receipts are given up, the receiver
// on 127.0.0.1 never gets a request.
func TestDLRURLRebindingThroughGateway(t *testing.T) {
	app, hits := sink(t)
	_, port, _ := net.SplitHostPort(app.Listener.Addr().String())
	var lookups atomic.Int32
	guard, err := egress.New(egress.Options{Resolver: egress.ResolverFunc(func(context.Context, string, string) ([]netip.Addr, error) {
		if lookups.Add(1) == 1 {
			return []netip.Addr{netip.MustParseAddr("93.184.216.34")}, nil
		}
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	})})
	if err != nil {
		t.Fatal(err)
	}
	p := thrower.Policy{Timeout: 2 * time.Second, RetryDelay: 10 * time.Millisecond, MaxRetries: 1}
	g, sim, cfg := startGatewayWith(t, func(_ *config.Config, o *gateway.Options) {
		o.CallbackGuard = guard
		o.ThrowerPolicies = map[thrower.Kind]thrower.Policy{thrower.DLR: p, thrower.MO: p, thrower.Event: p}
	})
	base, _ := serveAPI(t, cfg, g)
	q := url.Values{"username": {"foo"}, "password": {"bar"}, "to": {"33600000001"},
		"content": {"hi"}, "dlr-url": {"http://rebind.test:" + port + "/dlr"}, "dlr-level": {"3"}}
	if code, body := send(t, base, q); code != 200 || !strings.HasPrefix(body, `Success "`) {
		t.Fatalf("/send: %d %s", code, body)
	}
	deadline := time.Now().Add(20 * time.Second)
	for g.Parts().Thrower.Stats().DLR.Failed < 2 { // level 1 and level 2, each tried twice
		if time.Now().After(deadline) {
			t.Fatalf("receipts not given up: %+v", g.Parts().Thrower.Stats().DLR)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := sim.Stats().Total.SubmitOK; n != 1 {
		t.Fatalf("smppsim got %d submits, want 1", n)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the receiver on 127.0.0.1 got %d requests", n)
	}
	if e := g.Parts().Thrower.Stats().DLR.LastError; !strings.Contains(e, "127.0.0.1 is a loopback address") {
		t.Fatalf("last error %q", e)
	}
}

// TestDLRURLCredentialsCannotReachAdminAPI is the reported chain: a /send
// with dlr-url=http://jcliadmin:jclipwd@127.0.0.1:<admin>/admin/mtroutes/flush
// and dlr-method=POST, whose receipt the thrower would send with the
// credentials as Basic authorization, and the admin API would flush the
// routing table. Even where the operator allows 127.0.0.0/8, a dlr-url
// with credentials is refused, nothing is sent and the routes stay.
func TestDLRURLCredentialsCannotReachAdminAPI(t *testing.T) {
	g, sim, cfg := startGateway(t) // allows 127.0.0.0/8
	p := g.Parts()
	adm := admin.New(p.Manager, admin.Deps{Admin: p.Admin, SMPP: p.SMPP}, admin.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = adm.Serve(ln) }()
	t.Cleanup(func() { _ = adm.Close() })
	base, _ := serveAPI(t, cfg, g)
	flush := "http://jcliadmin:jclipwd@" + ln.Addr().String() + "/admin/mtroutes/flush"
	q := url.Values{"username": {"foo"}, "password": {"bar"}, "to": {"33600000001"}, "content": {"hi"},
		"dlr-url": {flush}, "dlr-method": {"POST"}, "dlr-level": {"1"}}
	code, body := send(t, base, q)
	want := `Error "Argument [dlr-url] has an invalid value: [http://***@` + ln.Addr().String() + `/admin/mtroutes/flush]: credentials (user:password@) are not allowed in a callback URL."`
	if code != 400 || body != want {
		t.Fatalf("/send: %d %s\nwant 400 %s", code, body, want)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(g.Parts().Manager.Routes(router.MT)); n != 1 {
		t.Fatalf("%d MT routes left, want 1", n)
	}
	if n := sim.Stats().Total.SubmitOK; n != 0 {
		t.Fatalf("smppsim got %d submits", n)
	}
}
