package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/gwd-project/gwd/config"
)

// post sends body to url with Basic credentials and returns the status
// and body.
func post(t *testing.T, url, user, pass, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(user, pass)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// gwd wires the gateway's thrower into the HTTP API: a sendbatch's
// errback is made (a thrower callback to an allowed network), not refused
// for want of a thrower.
func TestBatchCallbacksWired(t *testing.T) {
	var mu sync.Mutex
	var got []string
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.RequestURI()+" "+r.UserAgent())
		mu.Unlock()
	}))
	t.Cleanup(rcv.Close)
	cfg := testConfig(t)
	cfg.Callbacks.AllowNetworks = []config.Network{{Prefix: netip.MustParsePrefix("127.0.0.0/8")}}
	addrs := startGWD(t, cfg)
	admin := "http://" + addrs["admin"] + "/admin/"
	if st, body := post(t, admin+"groups", "jcliadmin", "jclipwd", `{"gid": "g"}`); st/100 != 2 {
		t.Fatalf("group: %d %s", st, body)
	}
	if st, body := post(t, admin+"users", "jcliadmin", "jclipwd", `{"uid": "u", "gid": "g", "username": "u",
		"password": "pw", "mt_messaging_cred": {"authorization": {"http_bulk": true}}}`); st/100 != 2 {
		t.Fatalf("user: %d %s", st, body)
	}
	st, body := post(t, "http://"+addrs["http"]+"/secure/sendbatch", "u", "pw",
		`{"batch_config": {"errback_url": "`+rcv.URL+`/err"}, "messages": [{"to": "123", "content": "no route"}]}`)
	if st != 200 {
		t.Fatalf("sendbatch: %d %s", st, body)
	}
	waitFor(t, "the errback", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) > 0
	})
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || !strings.HasPrefix(got[0], "GET /err?batchId=") ||
		!strings.HasSuffix(got[0], "&to=123&status=0&statusText=Error+%22No+route+found%22 gwd batch") {
		t.Errorf("receiver got %q", got)
	}
}
