package thrower

import (
	"io"
	"net/http"
	"net/netip"
	"testing"

	"github.com/gwd-project/gwd/engine/egress"
)

// A batch callback (sendbatch's callback_url) is a GET with its params in
// order after the URL's query, accepted on any 2xx whatever the body,
// made through the guard (the URL is an API user's).
func TestBatchKindAccepts2xxGET(t *testing.T) {
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, "thanks")
	})
	g := guardOf(t, egress.Options{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	th := start(t, Config{Policies: map[Kind]Policy{Batch: fast(3)}, Guard: g})
	throw(t, th, &Callback{Kind: Batch, Method: "GET", URL: rc.url("/cb?k=v"), UserURL: true, Ref: "b1",
		Params: []Param{{"batchId", "b1"}, {"to", "123"}, {"status", "1"}, {"statusText", `Success "x y"`}}})
	waitFor(t, "delivered", func() bool { return th.Stats().Batch.Delivered == 1 })
	h := rc.all()[0]
	if h.Method != "GET" || h.RawQuery != "k=v&batchId=b1&to=123&status=1&statusText=Success+%22x+y%22" ||
		h.UserAgent != "gwd batch" || h.Accept != "" {
		t.Fatalf("receiver saw %+v", h)
	}
	if n := rc.count("/cb"); n != 1 || th.Stats().Batch.Retries != 0 {
		t.Fatalf("%d requests: a 202 was not taken as acceptance", n)
	}
}

// A batch callback given up is a dead letter of kind "batch", listed and
// replayed like the others.
func TestBatchKindDeadLetters(t *testing.T) {
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	})
	g := guardOf(t, egress.Options{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	th := start(t, Config{Policies: map[Kind]Policy{Batch: fast(1)}, Guard: g})
	throw(t, th, &Callback{Kind: Batch, Method: "GET", URL: rc.url("/cb"), UserURL: true, Ref: "b2",
		Params: []Param{{"batchId", "b2"}}})
	waitFor(t, "given up", func() bool { return th.Stats().Batch.DeadLetters == 1 })
	dls, err := th.DeadLetters("batch", 0, 10)
	if err != nil || len(dls) != 1 || dls[0].Ref != "b2" || dls[0].Method != "GET" || dls[0].Attempts != 2 {
		t.Fatalf("dead letters %+v, %v", dls, err)
	}
	if n, err := th.ReplayDeadLetters("batch", nil); n != 1 || err != nil {
		t.Fatalf("replay: %d, %v", n, err)
	}
	waitFor(t, "tried again", func() bool { return rc.count("/cb") >= 3 })
}
