package httpapi_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/api/httpapi"
	"github.com/gwd-project/gwd/engine/gateway"
	"github.com/gwd-project/gwd/engine/manage"
	"github.com/gwd-project/gwd/engine/smppc"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/smsc"
)

// TestSendThroughGatewayWithReceipts drives the whole HTTP path: /send on
// a real gateway, the message at smppsim, and the level 1 and level 2
// receipts at the application's dlr-url.
func TestSendThroughGatewayWithReceipts(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content string
		parts   int64
	}{
		{"short", "hello over http", 1},
		{"long", strings.Repeat("a long message over http, ", 12), 3},
	} {
		t.Run(tc.name, func(t *testing.T) { sendThroughGateway(t, tc.content, tc.parts) })
	}
}

// startGateway runs smppsim and a real gateway routing every MT to it,
// with user foo/bar (u1 in g1).
func startGateway(t *testing.T) (*gateway.Gateway, *smsc.Sim, config.Config) {
	t.Helper()
	return startGatewayWith(t, func(cfg *config.Config, _ *gateway.Options) {
		// The application's receipt receiver runs on 127.0.0.1.
		cfg.Callbacks.AllowNetworks = []config.Network{{Prefix: netip.MustParsePrefix("127.0.0.0/8")}}
	})
}

// startGatewayWith is startGateway with the configuration and options
// tweak leaves.
func startGatewayWith(t *testing.T, tweak func(*config.Config, *gateway.Options)) (*gateway.Gateway, *smsc.Sim, config.Config) {
	t.Helper()
	router.PasswordIterations = 1000
	sim, err := smsc.Start(smsc.Config{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	cfg := config.Default()
	cfg.Store.Path = t.TempDir()
	cfg.Store.Sync = false
	opts := gateway.Options{SMPPAddr: "127.0.0.1:0"}
	tweak(&cfg, &opts)
	g, err := gateway.Open(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	if err := g.Start(); err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(sim.Addr().String())
	cc := smppc.DefaultConfig("sim")
	cc.Host = host
	cc.Port, _ = strconv.Atoi(port)
	cc.SubmitThroughput = 0
	u, _ := router.NewUser("u1", "g1", "foo", "bar")
	rt, _ := router.NewMTRoute(router.RouteDefault, 0, nil, []string{"sim"}, 0)
	err = g.Parts().Manager.Do(func(tx *manage.Tx) error {
		for _, step := range []func() error{
			func() error { return tx.AddConnector(cc) },
			func() error { return tx.StartConnector("sim") },
			func() error { return tx.AddGroup("g1") },
			func() error { return tx.AddUser(u) },
			func() error { return tx.PutRoute(router.MT, rt) },
		} {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return g, sim, cfg
}

// serveAPI runs an httpapi.Server in front of g; it returns its base URL
// and a func that closes it.
func serveAPI(t *testing.T, cfg config.Config, g *gateway.Gateway) (string, func()) {
	t.Helper()
	api := httpapi.New(cfg.HTTPAPI, g, httpapi.Options{CallbackGuard: g.CallbackGuard(), Store: g.Parts().Store})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = api.Serve(ln) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			if err := api.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return "http://" + ln.Addr().String(), stop
}

func sendThroughGateway(t *testing.T, content string, parts int64) {
	g, sim, cfg := startGateway(t)

	var mu sync.Mutex
	var dlrs []url.Values
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		dlrs = append(dlrs, r.Form)
		mu.Unlock()
		_, _ = w.Write([]byte("ACK/Jasmin"))
	}))
	defer app.Close()

	base, _ := serveAPI(t, cfg, g)

	q := url.Values{"username": {"foo"}, "password": {"bar"}, "to": {"33600000001"},
		"content": {content}, "dlr": {"yes"}, "dlr-url": {app.URL + "/dlr"}, "dlr-level": {"3"}, "dlr-method": {"POST"}}
	code, body, err := fasthttp.Get(nil, base+"/send?"+q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if code != 200 || !strings.HasPrefix(string(body), `Success "`) {
		t.Fatalf("/send: %d %s", code, body)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(string(body), `Success "`), `"`)
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := len(dlrs)
		mu.Unlock()
		if n >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d receipts at dlr-url, want 2 (level 1 and 2)", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	levels := map[string]url.Values{}
	for _, d := range dlrs {
		if d.Get("id") != id {
			t.Fatalf("receipt for %q, want %q", d.Get("id"), id)
		}
		levels[d.Get("message_status")] = d
	}
	if l1, ok := levels["ESME_ROK"]; !ok || l1.Get("connector") != "sim" || l1.Get("level") != "3" {
		t.Fatalf("no level-1 receipt with ESME_ROK: %v", dlrs)
	}
	if l2, ok := levels["DELIVRD"]; !ok || l2.Get("id_smsc") == "" || l2.Get("donedate") == "" {
		t.Fatalf("no terminal receipt with DELIVRD: %v", dlrs)
	}
	if st := sim.Stats().Total; st.SubmitOK != parts {
		t.Fatalf("smppsim got %d submits, want %d", st.SubmitOK, parts)
	}
	// One level-1 and one final receipt per message, however many parts.
	mu.Unlock()
	for sim.Stats().Total.ReceiptsAcked < parts && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	if len(dlrs) != 2 {
		t.Fatalf("%d callbacks for one %d-part message, want 2: %v", len(dlrs), parts, dlrs)
	}
}

// The gateway keeps idempotency keys in its store.
var _ httpapi.Idempotency = (*gateway.Gateway)(nil)

// TestIdempotencyThroughGateway: a /send retried with its idempotency-key
// reaches smppsim once, and a new Server on the same gateway (nothing in
// its memory) still answers the first id.
func TestIdempotencyThroughGateway(t *testing.T) {
	g, sim, cfg := startGateway(t)
	base, stop := serveAPI(t, cfg, g)
	q := url.Values{"username": {"foo"}, "password": {"bar"}, "to": {"33600000001"},
		"content": {"once"}, "idempotency-key": {"order-7"}}
	send := func(base string) string {
		t.Helper()
		code, body, err := fasthttp.Get(nil, base+"/send?"+q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		if code != 200 || !strings.HasPrefix(string(body), `Success "`) {
			t.Fatalf("/send: %d %s", code, body)
		}
		return string(body)
	}
	first := send(base)
	if again := send(base); again != first {
		t.Fatalf("retry: %s, want %s", again, first)
	}
	stop()
	base2, _ := serveAPI(t, cfg, g)
	if again := send(base2); again != first {
		t.Fatalf("retry on a new Server: %s, want %s", again, first)
	}
	deadline := time.Now().Add(20 * time.Second)
	for sim.Stats().Total.SubmitOK < 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // a second submit would have arrived by now
	if n := sim.Stats().Total.SubmitOK; n != 1 {
		t.Fatalf("smppsim got %d submits, want 1", n)
	}
}
