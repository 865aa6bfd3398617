package httpapi

import (
	"context"
	"encoding/json"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/egress"
	"github.com/gwd-project/gwd/engine/redact"
)

// internalURLs are dlr-urls an API user must not make gwd call, with a
// word of the reason the answer gives.
var internalURLs = []struct{ url, why string }{
	{"http://127.0.0.1:8991/admin/mtroutes/flush", "127.0.0.1 is a loopback address"},
	{"http://10.0.0.1/dlr", "10.0.0.1 is a private address"},
	{"http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"},
	{"http://[::1]:8080/dlr", "::1 is a loopback address"},
	{"http://0.0.0.0:1401/", "0.0.0.0 is an unspecified"},
	{"http://[::ffff:192.168.1.1]/", "private address"},
	{"http://100.64.0.1/", "CGNAT"},
	{"http://localhost/dlr", `host "localhost" must resolve`},
	{"http://jcliadmin:jclipwd@93.184.216.34/dlr", "credentials (user:password@) are not allowed"},
	{"http://jcliadmin:jclipwd@127.0.0.1:8991/admin/mtroutes/flush", "credentials"},
}

// jsonText is s as it reads inside a JSON string.
func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// strictGuard is the default rule with the tests' names, localhost as the
// system resolves it.
func strictGuard(t testing.TB) *egress.Guard {
	t.Helper()
	table := map[string][]string{"localhost": {"127.0.0.1", "::1"}}
	for k, v := range testHosts {
		table[k] = v
	}
	g, err := egress.New(egress.Options{Resolver: testResolver(table)})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestSendRefusesInternalDLRURL: /send and /secure/send answer 400 with
// the reason to a dlr-url with credentials or an internal target, and
// nothing reaches the gateway.
func TestSendRefusesInternalDLRURL(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{CallbackGuard: strictGuard(t)})
	for _, tc := range internalURLs {
		st, body := e.send("to", "1", "content", "hi", "dlr-url", tc.url, "dlr-method", "POST")
		// The URL is echoed with its credentials masked: an answer may
		// end up in a proxy's or a client's log.
		want := `Error "Argument [dlr-url] has an invalid value: [` + redact.URL(tc.url) + `]: `
		if strings.Contains(body, "jclipwd") {
			t.Errorf("/send %s: the answer repeats the password: %s", tc.url, body)
		}
		if st != 400 || !strings.HasPrefix(body, want) || !strings.Contains(body, tc.why) || !strings.HasSuffix(body, `."`) {
			t.Errorf("/send %s: %d %s, want 400 %s…%s…", tc.url, st, body, want, tc.why)
		}
		js, _ := json.Marshal(map[string]any{"to": "1", "content": "hi", "dlr-url": tc.url, "dlr-level": 2})
		st, body, _ = e.rest("POST", "/secure/send", "foo", "bar", string(js))
		wantJSON, _ := json.Marshal(want)
		if st != 400 || !strings.HasPrefix(body, `{"message": `+strings.TrimSuffix(string(wantJSON), `"`)) || !strings.Contains(body, jsonText(tc.why)) {
			t.Errorf("/secure/send %s: %d %s, want 400 with %s", tc.url, st, body, want)
		}
	}
	if n := e.b.submitCalls(); n != 0 {
		t.Fatalf("%d messages reached the gateway", n)
	}
	// A public one goes.
	if st, body := e.send("to", "1", "content", "hi", "dlr-url", "http://app.example/dlr"); st != 200 {
		t.Fatalf("public dlr-url: %d %s", st, body)
	}
}

// TestSendDLRURLAllowedNetworks: what allow_networks covers is accepted.
func TestSendDLRURLAllowedNetworks(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{CallbackGuard: testGuard(t, "127.0.0.0/8", "10.0.0.0/8", "::1/128")})
	for _, u := range []string{"http://127.0.0.1:8080/dlr", "http://10.0.0.1/dlr", "http://[::1]:8080/dlr"} {
		if st, body := e.send("to", "1", "content", "hi", "dlr-url", u); st != 200 {
			t.Errorf("%s: %d %s", u, st, body)
		}
	}
	for _, u := range []string{"http://169.254.169.254/", "http://u:p@127.0.0.1/"} {
		if st, body := e.send("to", "1", "content", "hi", "dlr-url", u); st != 400 {
			t.Errorf("%s: %d %s, want 400", u, st, body)
		}
	}
	if n := e.b.submitCalls(); n != 3 {
		t.Fatalf("%d messages reached the gateway, want 3", n)
	}
}

// TestSendBatchRefusesInternalCallbacks: a sendbatch whose callback_url,
// errback_url or a message's dlr-url is internal is refused with 400 and
// nothing is stored or sent.
func TestSendBatchRefusesInternalCallbacks(t *testing.T) {
	e := bulkEnv(t, Options{CallbackGuard: strictGuard(t)})
	for _, tc := range internalURLs {
		for _, c := range []struct{ body, want string }{
			{`{"batch_config": {"callback_url": "` + tc.url + `"}, "messages": [{"to": "1", "content": "a"}]}`,
				`{"message": "Argument [callback_url] has an invalid value: [` + redact.URL(tc.url) + `]: `},
			{`{"batch_config": {"errback_url": "` + tc.url + `"}, "messages": [{"to": "1", "content": "a"}]}`,
				`{"message": "Argument [errback_url] has an invalid value: [` + redact.URL(tc.url) + `]: `},
			{`{"messages": [{"to": "1", "content": "a"}, {"to": ["2", "3"], "content": "b", "dlr-url": "` + tc.url + `"}]}`,
				`{"message": "messages[1]: Argument [dlr-url] has an invalid value: [` + redact.URL(tc.url) + `]: `},
			{`{"globals": {"dlr-url": "` + tc.url + `"}, "messages": [{"to": "1", "content": "a"}]}`,
				`{"message": "messages[0]: Argument [dlr-url] has an invalid value: [` + redact.URL(tc.url) + `]: `},
		} {
			st, body, _ := e.rest("POST", "/secure/sendbatch", "foo", "bar", c.body)
			if st != 400 || !strings.HasPrefix(body, c.want) || !strings.Contains(body, jsonText(tc.why)) {
				t.Errorf("%s\n got %d %s\nwant 400 %s…%s", c.body, st, body, c.want, tc.why)
			}
		}
	}
	e.s.batches.mu.Lock()
	n := len(e.s.batches.all)
	e.s.batches.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d batches kept", n)
	}
	time.Sleep(50 * time.Millisecond)
	if n := e.b.submitCalls(); n != 0 {
		t.Fatalf("%d messages reached the gateway", n)
	}
}

// TestBatchCallbackRebinding: a callback_url whose name resolved to a
// public address when the batch was accepted and resolves to 127.0.0.1
// when the callback is made never reaches the receiver on 127.0.0.1.
func TestBatchCallbackRebinding(t *testing.T) {
	rcv := newReceiver(t)
	_, port, _ := net.SplitHostPort(rcv.srv.Listener.Addr().String())
	var lookups atomic.Int32
	g, err := egress.New(egress.Options{Resolver: egress.ResolverFunc(func(context.Context, string, string) ([]netip.Addr, error) {
		if lookups.Add(1) == 1 {
			return []netip.Addr{netip.MustParseAddr("93.184.216.34")}, nil
		}
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	})})
	if err != nil {
		t.Fatal(err)
	}
	e := bulkEnv(t, Options{CallbackGuard: g})
	a := e.sendBatch(`{"batch_config": {"callback_url": "http://rebind.test:` + port + `/ok"}, "messages": [{"to": ["1", "2"], "content": "a"}]}`)
	e.waitState(a.Data.BatchID, stateDone)
	waitFor(t, "the callbacks attempted", func() bool { return lookups.Load() >= 3 })
	time.Sleep(100 * time.Millisecond)
	if hits, _ := rcv.calls(); len(hits) != 0 {
		t.Fatalf("the receiver on 127.0.0.1 got %d callbacks", len(hits))
	}
}
