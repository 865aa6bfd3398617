package admin

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gwd-project/gwd/engine/thrower"
)

// TestDeadLettersListedReplayedDeleted: MOs to an HTTP receiver that
// stays down past retry_ttl go to the dead letters; over the admin API
// (real HTTP) they are listed in pages, newest last, one is deleted, and
// once the receiver is back the others are replayed and arrive once.
func TestDeadLettersListedReplayedDeleted(t *testing.T) {
	var up atomic.Bool
	var mu sync.Mutex
	got := map[string]int{}
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		mu.Lock()
		got[r.FormValue("id")]++
		mu.Unlock()
		io.WriteString(w, "ACK/Jasmin")
	}))
	defer rcv.Close()
	p := thrower.Policy{Timeout: 5 * time.Second, RetryDelay: 20 * time.Millisecond, MaxRetries: 1,
		MaxRetryDelay: 40 * time.Millisecond, TTL: 200 * time.Millisecond}
	e := &env{t: t, dir: t.TempDir(), client: &http.Client{Timeout: waitLimit},
		policies: map[thrower.Kind]thrower.Policy{thrower.DLR: p, thrower.MO: p, thrower.Event: p}}
	e.open()
	th := e.g.Parts().Thrower
	for i := range 3 {
		id := "mo" + strconv.Itoa(i)
		done := make(chan error, 1)
		th.Throw(&thrower.Callback{Kind: thrower.MO, Method: "POST", URL: rcv.URL + "/mo", Ref: id,
			Params: []thrower.Param{{Key: "id", Value: id}}}, func(err error) { done <- err })
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		// One at a time: their dead-letter ids come in throw order.
		deadline := time.Now().Add(waitLimit)
		for th.Stats().MO.DeadLetters != i+1 {
			if time.Now().After(deadline) {
				t.Fatalf("%s not given up: %+v", id, th.Stats().MO)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	first := e.must(200, "GET", "/admin/deadletters/mo?limit=2", nil)
	items, _ := first.body["dead_letters"].([]any)
	next, _ := first.body["next_after"].(string)
	if len(items) != 2 || next == "" || first.body["kind"] != "mo" {
		t.Fatalf("first page: %s", first.raw)
	}
	dl := items[0].(map[string]any)
	if dl["ref"] != "mo0" || dl["method"] != "POST" || dl["url"] != rcv.URL+"/mo" ||
		!strings.HasSuffix(dl["last_error"].(string), "answer 503, not 200") || dl["attempts"].(float64) < 2 {
		t.Fatalf("dead letter: %s", first.raw)
	}
	id0, _ := dl["id"].(string)
	id1, _ := items[1].(map[string]any)["id"].(string)
	last := e.must(200, "GET", "/admin/deadletters/mo?limit=2&after="+next, nil)
	items, _ = last.body["dead_letters"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["ref"] != "mo2" || last.body["next_after"] != nil {
		t.Fatalf("last page: %s", last.raw)
	}

	e.must(404, "GET", "/admin/deadletters/sms", nil)
	e.must(400, "GET", "/admin/deadletters/mo?limit=0", nil)
	e.must(204, "DELETE", "/admin/deadletters/mo/"+id0, nil)
	e.must(404, "DELETE", "/admin/deadletters/mo/"+id0, nil)
	e.must(400, "POST", "/admin/deadletters/mo/replay", `{"ids": ["x"]}`)

	up.Store(true)
	if r := e.must(200, "POST", "/admin/deadletters/mo/replay", `{"ids": ["`+id1+`"]}`); r.body["replayed"] != 1.0 {
		t.Fatalf("replay one: %s", r.raw)
	}
	if r := e.must(200, "POST", "/admin/deadletters/mo/replay", nil); r.body["replayed"] != 1.0 {
		t.Fatalf("replay the rest: %s", r.raw)
	}
	deadline := time.Now().Add(waitLimit)
	for th.Stats().MO.Delivered != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("replayed MOs not delivered: %+v", th.Stats().MO)
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got["mo1"] != 1 || got["mo2"] != 1 {
		t.Fatalf("receiver accepted %v (mo0 deleted, mo1 and mo2 replayed)", got)
	}
	if r := e.must(200, "GET", "/admin/deadletters/mo", nil); len(r.body["dead_letters"].([]any)) != 0 {
		t.Fatalf("left: %s", r.raw)
	}
}
