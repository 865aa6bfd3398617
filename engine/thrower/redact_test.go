package thrower

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// TestFailedCallbackLoggedWithoutCredentials: a callback whose URL carries
// credentials (userinfo, password=) fails; neither the retry line (debug),
// the give-up line nor the stats' last error show them, while the request
// itself still carried them.
func TestFailedCallbackLoggedWithoutCredentials(t *testing.T) {
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	th := start(t, Config{Policies: policies(fast(1)), Log: log})
	u := strings.Replace(rc.url("/x?password=p2&id=7"), "http://", "http://u:secret@", 1)
	throw(t, th, &Callback{Kind: DLR, Method: "GET", URL: u, Ref: "gw-7"})
	waitFor(t, "giving up", func() bool { return th.Stats().DLR.Failed == 1 })
	out := logs.String()
	if !strings.Contains(out, "gave up") || !strings.Contains(out, "will retry") {
		t.Fatalf("expected a retry and a give-up line: %s", out)
	}
	for _, secret := range []string{"secret", "p2"} {
		if strings.Contains(out, secret) {
			t.Errorf("log carries %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "http://***@127.0.0.1") || !strings.Contains(out, "password=***") {
		t.Errorf("log does not show the redacted URL:\n%s", out)
	}
	if e := th.Stats().DLR.LastError; strings.Contains(e, "secret") || strings.Contains(e, "p2") {
		t.Errorf("last error carries credentials: %q", e)
	}
	hits := rc.all()
	if len(hits) == 0 || hits[0].Auth == "" {
		t.Fatalf("the receiver did not get the credentials: %+v", hits)
	}
}

// TestInvalidURLErrorWithoutCredentials: CheckURL's error (logged when a
// stored receipt's dlr-url is refused) masks the URL's credentials.
func TestInvalidURLErrorWithoutCredentials(t *testing.T) {
	for _, u := range []string{"ftp://u:secret@host/?password=p2", "http://u:secret@host/%zz?password=p2", "http://u:secret@]/?password=p2"} {
		err := CheckURL(u)
		if err == nil {
			t.Fatalf("CheckURL(%q) accepted", u)
		}
		if s := err.Error(); strings.Contains(s, "secret") || strings.Contains(s, "p2") {
			t.Errorf("CheckURL(%q) = %q: credentials in the error", u, s)
		}
	}
}
