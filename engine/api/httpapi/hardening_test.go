package httpapi

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/api/metricsapi"
	"github.com/gwd-project/gwd/engine/recovery"
)

// TestMetricsOff: with [http-api] metrics = false the API port answers
// /metrics 404 (nothing listed), while the [metrics] listener serves it.
func TestMetricsOff(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{Metrics: false}, Options{})
	st, body := e.get("/metrics", nil)
	if st != http.StatusNotFound || strings.Contains(body, "httpapi_") || body != `Error "Not found"` {
		t.Errorf("/metrics with metrics=false: %d %q", st, body)
	}
	if st, body := e.get("/ping", nil); st != 200 || body != "Jasmin/PONG" {
		t.Errorf("/ping: %d %q", st, body)
	}

	ms := metricsapi.New(nil, config.Metrics{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = ms.Serve(ln) }()
	t.Cleanup(func() { _ = ms.Close() })
	base := "http://" + ln.Addr().String()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "httpapi_request_count ") || !strings.Contains(string(b), "process_") {
		t.Errorf("[metrics] listener /metrics: %d %.200q", resp.StatusCode, b)
	}
	for _, path := range []string{"/send", "/", "/metrics/x"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("[metrics] listener %s: %d, want 404", path, resp.StatusCode)
		}
	}
	resp, err = http.Post(base+"/metrics", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics: %d, want 405", resp.StatusCode)
	}
}

// TestHandlerPanic: a panic in a request (here in the backend's RateMT)
// answers that request 500 and closes its connection; the server goes on
// serving, and gwd_panics_total{where="httpapi"} counts it.
func TestHandlerPanic(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{})
	before := recovery.Counter("httpapi").Get()
	e.b.mu.Lock()
	e.b.panicMsg = "injected fault"
	e.b.mu.Unlock()
	q := url.Values{"username": {"foo"}, "password": {"bar"}, "to": {"06222172"}}
	st, body := e.get("/rate", q)
	if st != http.StatusInternalServerError || body != "Internal server error" {
		t.Errorf("/rate panicking: %d %q", st, body)
	}
	if n := recovery.Counter("httpapi").Get() - before; n != 1 {
		t.Errorf("gwd_panics_total{where=httpapi} +%d, want 1", n)
	}
	e.b.mu.Lock()
	e.b.panicMsg = ""
	e.b.mu.Unlock()
	if st, body := e.get("/rate", q); st != 200 || !strings.Contains(body, "unit_rate") {
		t.Errorf("/rate after the panic: %d %q", st, body)
	}
	if st, body := e.get("/ping", nil); st != 200 || body != "Jasmin/PONG" {
		t.Errorf("/ping after the panic: %d %q", st, body)
	}
}
