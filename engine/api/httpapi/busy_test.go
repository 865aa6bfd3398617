package httpapi_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/gateway"
	"github.com/gwd-project/gwd/store"
)

// With the store stalled, /send requests past [store] max_pending_writes
// are answered at once with 503, Retry-After and a body that says so,
// and so is /secure/send; once the store resumes, the requests that were
// taken are answered 200 and exactly those reach the SMSC.
func TestStoreBusyRefusesSend(t *testing.T) {
	const bound, sent = 4, 30
	stall := make(chan struct{})
	var shut sync.Once
	release := func() { shut.Do(func() { close(stall) }) }
	var stalled atomic.Bool
	entered := make(chan struct{}, 1)
	g, sim, cfg := startGatewayWith(t, func(c *config.Config, o *gateway.Options) {
		c.Store.MaxPendingWrites = bound
		o.StoreOptions = func(so *store.Options) {
			so.BeforeCommit = func() {
				if stalled.Load() {
					select {
					case entered <- struct{}{}:
					default:
					}
					<-stall
				}
			}
		}
	})
	t.Cleanup(release) // before the gateway closes
	base, _ := serveAPI(t, cfg, g)
	type answer struct {
		code        int
		body, retry string
	}
	get := func(req *http.Request) answer {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return answer{body: err.Error()}
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return answer{resp.StatusCode, string(b), resp.Header.Get("Retry-After")}
	}
	q := url.Values{"username": {"foo"}, "password": {"bar"}, "to": {"33600000001"}, "content": {"hello"}}
	stalled.Store(true)
	answers := make(chan answer, sent+1)
	// One request enters the commit that stalls; the next ones wait.
	go func() {
		req, _ := http.NewRequest("GET", base+"/send?"+q.Encode(), nil)
		answers <- get(req)
	}()
	<-entered
	for range sent {
		go func() {
			req, _ := http.NewRequest("GET", base+"/send?"+q.Encode(), nil)
			answers <- get(req)
		}()
	}
	refused := 0
	deadline := time.After(10 * time.Second)
	for refused < sent-bound {
		select {
		case a := <-answers:
			if a.code != http.StatusServiceUnavailable || a.retry != gateway.BusyRetryAfter ||
				a.body != `Error "Gateway busy, message not stored: retry later"` {
				t.Fatalf("/send while the store is stalled: %d Retry-After %q %q, want 503 Retry-After %s", a.code, a.retry, a.body, gateway.BusyRetryAfter)
			}
			refused++
		case <-deadline:
			t.Fatalf("%d of %d /send refused while the store stalled (no bound on pending writes?)", refused, sent-bound)
		}
	}
	req, _ := http.NewRequest("POST", base+"/secure/send", strings.NewReader(`{"to": "33600000001", "content": "hello"}`))
	req.SetBasicAuth("foo", "bar")
	req.Header.Set("Content-Type", "application/json")
	if a := get(req); a.code != http.StatusServiceUnavailable || a.retry != gateway.BusyRetryAfter {
		t.Fatalf("/secure/send while the store is stalled: %d Retry-After %q %q", a.code, a.retry, a.body)
	}
	release()
	accepted := 0
	for range sent + 1 - refused {
		switch a := <-answers; a.code {
		case http.StatusOK:
			accepted++
		case http.StatusServiceUnavailable:
		default:
			t.Fatalf("/send after the store resumed: %d %q", a.code, a.body)
		}
	}
	if accepted == 0 || accepted > bound+1 {
		t.Fatalf("%d /send accepted, want 1 to %d (the stalled one and the bound)", accepted, bound+1)
	}
	deadline2 := time.Now().Add(10 * time.Second)
	for sim.Stats().Total.SubmitOK < int64(accepted) && time.Now().Before(deadline2) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	if n := sim.Stats().Total.SubmitOK; n != int64(accepted) {
		t.Fatalf("the SMSC got %d messages, want the %d accepted", n, accepted)
	}
}
