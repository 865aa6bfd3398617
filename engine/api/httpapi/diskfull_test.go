package httpapi_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/gateway"
)

// A full disk (free space faked under the store's floor) refuses /send
// and /secure/send with 503, Retry-After and a body that says so; the
// refused messages never reach the SMSC; once space returns, the same
// requests are accepted again without a restart.
func TestDiskFullRefusesSendAndResumes(t *testing.T) {
	var full atomic.Bool
	g, sim, cfg := startGatewayWith(t, func(_ *config.Config, o *gateway.Options) {
		o.StoreFreeSpace = func(string) (uint64, error) {
			if full.Load() {
				return 0, nil
			}
			return 1 << 40, nil
		}
	})
	base, _ := serveAPI(t, cfg, g)
	send := func() *http.Response {
		t.Helper()
		q := url.Values{"username": {"foo"}, "password": {"bar"}, "to": {"33600000001"}, "content": {"hello"}}
		resp, err := http.Get(base + "/send?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	rest := func() *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", base+"/secure/send", strings.NewReader(`{"to": "33600000001", "content": "hello"}`))
		req.SetBasicAuth("foo", "bar")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	// until calls try until it answers want (the store measures free
	// space once a second), 10 s at most; accepted counts the 200s.
	accepted := 0
	until := func(what string, try func() *http.Response, want int) (*http.Response, string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			resp := try()
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode == http.StatusOK {
				accepted++
			}
			if resp.StatusCode == want {
				return resp, string(b)
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d %s, want %d", what, resp.StatusCode, b, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	until("/send before the disk fills", send, http.StatusOK)
	full.Store(true)
	resp, body := until("/send on a full disk", send, http.StatusServiceUnavailable)
	if want := `Error "Disk full, message not stored: retry later"`; body != want {
		t.Errorf("/send body %q, want %q", body, want)
	}
	if ra := resp.Header.Get("Retry-After"); ra != gateway.DiskFullRetryAfter {
		t.Errorf("/send Retry-After %q, want %q", ra, gateway.DiskFullRetryAfter)
	}
	resp, body = until("/secure/send on a full disk", rest, http.StatusServiceUnavailable)
	if want := `{"message": "Error \"Disk full, message not stored: retry later"}`; body != want {
		t.Errorf("/secure/send body %s, want %s", body, want)
	}
	if ra := resp.Header.Get("Retry-After"); ra != gateway.DiskFullRetryAfter {
		t.Errorf("/secure/send Retry-After %q, want %q", ra, gateway.DiskFullRetryAfter)
	}
	full.Store(false)
	until("/send once space returned", send, http.StatusOK)
	until("/secure/send once space returned", rest, http.StatusOK)
	deadline := time.Now().Add(10 * time.Second)
	for sim.Stats().Total.SubmitOK < int64(accepted) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	if n := sim.Stats().Total.SubmitOK; n != int64(accepted) {
		t.Fatalf("the SMSC got %d messages, want the %d accepted", n, accepted)
	}
}
