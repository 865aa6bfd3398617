package httpapi_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/gateway"
	"github.com/gwd-project/gwd/store"
)

// Once the store's write-ahead log fails, /send is answered 503 with
// Retry-After and a body that says the message was not stored (it was 500
// "Internal error", which clients do not retry), the process keeps
// serving, and /metrics says gwd_store_failed 1.
func TestStoreFailureRefusesSend(t *testing.T) {
	faults := &store.FaultSwitch{}
	g, _, cfg := startGatewayWith(t, func(c *config.Config, o *gateway.Options) {
		c.Store.Sync = true // as in production: the failed sync is seen
		o.StoreOptions = func(so *store.Options) { so.Faults = faults }
	})
	t.Cleanup(faults.Reset)
	base, _ := serveAPI(t, cfg, g)
	q := url.Values{"username": {"foo"}, "password": {"bar"}, "to": {"33600000001"}, "content": {"hello"}}
	send := func() (int, string, string) {
		t.Helper()
		resp, err := http.Get(base + "/send?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Retry-After"), string(b)
	}
	if code, _, body := send(); code != http.StatusOK {
		t.Fatalf("/send before the fault: %d %q", code, body)
	}
	faults.Trip()
	for range 3 {
		code, retry, body := send()
		if code != http.StatusServiceUnavailable || retry != gateway.StoreFailedRetryAfter ||
			body != `Error "Gateway store failed, message not stored: retry later"` {
			t.Fatalf("/send after the fault: %d Retry-After %q %q, want 503 Retry-After %s", code, retry, body, gateway.StoreFailedRetryAfter)
		}
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(page), "\ngwd_store_failed 1\n") {
		t.Fatalf("/metrics after the fault lacks gwd_store_failed 1:\n%s", page)
	}
}
