package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/router"
)

// receiver is an application's callback endpoint.
type receiver struct {
	srv  *httptest.Server
	mu   sync.Mutex
	hits []url.Values
	path []string
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.hits = append(r.hits, req.URL.Query())
		r.path = append(r.path, req.Method+" "+req.URL.Path)
		r.mu.Unlock()
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) calls() ([]url.Values, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]url.Values(nil), r.hits...), append([]string(nil), r.path...)
}

type batchAnswer struct {
	Data struct {
		BatchID      string `json:"batchId"`
		MessageCount int    `json:"messageCount"`
		Scheduled    string `json:"scheduled"`
	} `json:"data"`
}

type batchProgress struct {
	Data batchView `json:"data"`
}

func (e *env) sendBatch(body string) batchAnswer {
	e.t.Helper()
	st, resp, _ := e.rest("POST", "/secure/sendbatch", "foo", "bar", body)
	if st != 200 {
		e.t.Fatalf("sendbatch: %d %s", st, resp)
	}
	var a batchAnswer
	if err := json.Unmarshal([]byte(resp), &a); err != nil {
		e.t.Fatalf("sendbatch answer %s: %v", resp, err)
	}
	return a
}

func (e *env) progress(id string) batchView {
	e.t.Helper()
	st, resp, _ := e.rest("GET", "/secure/batch/"+id, "foo", "bar", "")
	if st != 200 {
		e.t.Fatalf("GET batch: %d %s", st, resp)
	}
	var p batchProgress
	if err := json.Unmarshal([]byte(resp), &p); err != nil {
		e.t.Fatalf("progress %s: %v", resp, err)
	}
	return p.Data
}

func (e *env) waitState(id, state string) batchView {
	e.t.Helper()
	var v batchView
	waitFor(e.t, "batch "+state, func() bool {
		v = e.progress(id)
		return v.State == state
	})
	return v
}

func bulkEnv(t *testing.T, opts Options) *env {
	e := newEnv(t, config.HTTPAPI{}, opts)
	e.setCred("mt_messaging_cred", "authorization", "http_bulk", "True")
	return e
}

func TestSendBatchNeedsHTTPBulk(t *testing.T) {
	e := newEnv(t, config.HTTPAPI{}, Options{})
	st, body, _ := e.rest("POST", "/secure/sendbatch", "foo", "bar", `{"messages": [{"to": "1", "content": "a"}]}`)
	if st != 403 || body != `{"message": "Error \"Authorization failed for username:foo (Cannot send bulk MT messages)."}` {
		t.Errorf("%d %s", st, body)
	}
}

func TestSendBatchGlobalsAndCallbacks(t *testing.T) {
	e := bulkEnv(t, Options{})
	rcv := newReceiver(t)
	e.b.mu.Lock()
	e.b.refuseTo = map[string]error{"33333332": routeRefusal{}}
	e.b.mu.Unlock()
	// The manual's example 2 with callbacks (example 3).
	a := e.sendBatch(`{
  "globals" : {
    "from": "Brand2",
    "dlr-level": 3,
    "dlr": "yes",
    "dlr-url": "http://some.fancy/url"
  },
  "batch_config": {
    "callback_url": "` + rcv.srv.URL + `/successful_batch",
    "errback_url": "` + rcv.srv.URL + `/errored_batch?k=v"
  },
  "messages": [
    {"from": "Brand1", "to": ["55555551", "55555552", "55555553"], "content": "Message 1 goes to 3 numbers"},
    {"to": ["33333331", "33333332", "33333333"], "content": "Message 2 goes to 3 numbers"},
    {"to": "7777771", "content": "Message 3 goes to 1 number"}
  ]
}`)
	if a.Data.MessageCount != 7 || len(a.Data.BatchID) != 36 || a.Data.Scheduled != "" {
		t.Fatalf("answer %+v", a)
	}
	v := e.waitState(a.Data.BatchID, stateDone)
	if v.Total != 7 || v.Sent != 6 || v.Failed != 1 || v.Pending != 0 {
		t.Errorf("progress %+v", v)
	}
	subs := e.b.submits()
	if len(subs) != 6 {
		t.Fatalf("%d submits", len(subs))
	}
	ids := map[string]string{}
	for _, s := range subs {
		p := s.parts[0]
		to := string(p.Dest.Addr)
		ids[to] = s.id
		wantFrom, wantText := "Brand2", "Message 2 goes to 3 numbers"
		switch {
		case strings.HasPrefix(to, "5555555"):
			wantFrom, wantText = "Brand1", "Message 1 goes to 3 numbers"
		case to == "7777771":
			wantText = "Message 3 goes to 1 number"
		}
		if string(p.Source.Addr) != wantFrom || string(p.ShortMessage) != wantText || s.dlr.Level != 3 ||
			s.dlr.URL != "http://some.fancy/url" || s.uid != "u1" || s.channel != router.ChannelHTTP {
			t.Errorf("to %s: from %q text %q dlr %+v", to, p.Source.Addr, p.ShortMessage, s.dlr)
		}
	}
	var hits []url.Values
	var paths []string
	waitFor(t, "7 callbacks", func() bool {
		hits, paths = rcv.calls()
		return len(hits) == 7
	})
	for i, q := range hits {
		to := q.Get("to")
		if q.Get("batchId") != a.Data.BatchID {
			t.Errorf("callback %v: batchId", q)
		}
		if to == "33333332" {
			if paths[i] != "GET /errored_batch" || q.Get("k") != "v" || q.Get("status") != "0" ||
				q.Get("statusText") != `Error "No route found"` {
				t.Errorf("errback %s %v", paths[i], q)
			}
			continue
		}
		if paths[i] != "GET /successful_batch" || q.Get("status") != "1" || q.Get("statusText") != `Success "`+ids[to]+`"` {
			t.Errorf("callback %s %v (id %s)", paths[i], q, ids[to])
		}
	}
}

func TestSendBatchBadInput(t *testing.T) {
	e := bulkEnv(t, Options{})
	past := time.Now().Add(-time.Hour).Format(scheduleLayout)
	for _, c := range []struct {
		body   string
		status int
		want   string
	}{
		{`{}`, 400, `{"message": "Mandatory argument [messages] is not found."}`},
		{`{"messages": []}`, 400, `{"message": "Argument [messages] has an invalid value: [[]]."}`},
		{`{"messages": [{"content": "a"}]}`, 400, `{"message": "messages[0]: Mandatory argument [to] is not found."}`},
		{`{"messages": [{"to": "1", "content": "a"}, {"to": ["2", "x"], "content": "b"}]}`, 400,
			`{"message": "messages[1]: Argument [to] has an invalid value: [x]."}`},
		{`{"messages": [{"to": "1"}]}`, 400, `{"message": "messages[0]: content or hex-content not present."}`},
		{`{"messages": [{"to": "1", "content": "a", "coding": 99}]}`, 400, `{"message": "messages[0]: Argument [coding] has an invalid value: [99]."}`},
		{`{"messages": [{"to": "1", "content": "` + strings.Repeat("x", 1000) + `"}]}`, 400,
			`{"message": "messages[0]: Content too long: 7 parts, long_content_max_parts is 5."}`},
		{`{"messages": [{"to": "1", "content": "a"}], "extra": 1}`, 400, `{"message": "Malformed JSON: json: unknown field \"extra\""}`},
		{`{"messages": [{"to": "1", "content": "a"}], "batch_config": {"callback_url": "nope"}}`, 400,
			`{"message": "Argument [callback_url] has an invalid value: [nope]."}`},
		{`{"messages": [{"to": "1", "content": "a"}], "batch_config": {"schedule_at": "tomorrow"}}`, 412,
			`{"message": "Cannot parse scheduled_at value: tomorrow"}`},
		{`{"messages": [{"to": "1", "content": "a"}], "batch_config": {"schedule_at": "` + past + `"}}`, 412,
			`{"message": "Cannot schedule batch in past date: ` + past + `"}`},
		{`{"messages": [{"to": "1", "content": "a"}], "globals": {"to": []}}`, 400,
			`{"message": "globals: Argument [to] has an invalid value: [[]]."}`},
		{`{"messages": [`, 400, `{"message": "Malformed JSON: unexpected EOF"}`},
	} {
		st, body, _ := e.rest("POST", "/secure/sendbatch", "foo", "bar", c.body)
		if st != c.status || body != c.want {
			t.Errorf("%.80s\n got %d %s\nwant %d %s", c.body, st, body, c.status, c.want)
		}
	}
	objs, err := e.b.db.Objects(kindBatch)
	if err != nil || len(objs) != 0 {
		t.Errorf("refused batches stored: %d %v", len(objs), err)
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(e.b.submits()); n != 0 {
		t.Errorf("%d submits", n)
	}
}

func TestSendBatchTooMany(t *testing.T) {
	e := bulkEnv(t, Options{MaxBatchMessages: 3})
	st, body, _ := e.rest("POST", "/secure/sendbatch", "foo", "bar",
		`{"messages": [{"to": ["1", "2"], "content": "a"}, {"to": ["3", "4"], "content": "b"}]}`)
	if st != 400 || body != `{"message": "Too many messages: a batch holds at most 3."}` {
		t.Errorf("%d %s", st, body)
	}
}

func TestSendBatchScheduledSurvivesRestart(t *testing.T) {
	e := bulkEnv(t, Options{})
	a := e.sendBatch(`{"batch_config": {"schedule_at": "86400s"},
		"messages": [{"to": "7777771", "content": "Good morning !"}, {"to": ["7777772"], "hex_content": "4142"}]}`)
	if a.Data.MessageCount != 2 || a.Data.Scheduled != "86400s" {
		t.Fatalf("answer %+v", a)
	}
	v := e.progress(a.Data.BatchID)
	if v.State != stateScheduled || v.Total != 2 || v.Pending != 2 || v.ScheduledAt == "" {
		t.Errorf("progress %+v", v)
	}
	// A restart keeps it scheduled.
	e.restart(e.opts)
	if v := e.progress(a.Data.BatchID); v.State != stateScheduled || v.Pending != 2 {
		t.Errorf("after restart: %+v", v)
	}
	if n := len(e.b.submits()); n != 0 {
		t.Fatalf("%d submits before the schedule", n)
	}
	// Two days later (the server's clock moved on while it was down), the
	// batch is due at start.
	later := Options{Now: func() time.Time { return time.Now().Add(48 * time.Hour) }}
	e.restart(later)
	v = e.waitState(a.Data.BatchID, stateDone)
	if v.Sent != 2 {
		t.Errorf("progress %+v", v)
	}
	subs := e.b.submits()
	if len(subs) != 2 || string(subs[0].parts[0].ShortMessage) != "Good morning !" || string(subs[1].parts[0].ShortMessage) != "AB" {
		t.Errorf("submits %+v", subs)
	}
	// The definition is dropped once done; the progress stays.
	if objs, _ := e.b.db.Objects(kindBatch); len(objs) != 0 {
		t.Errorf("%d batch definitions left", len(objs))
	}
}

func TestSendBatchScheduledAbsolute(t *testing.T) {
	e := bulkEnv(t, Options{})
	at := time.Now().Add(2 * time.Second).Truncate(time.Second)
	a := e.sendBatch(`{"batch_config": {"schedule_at": "` + at.Format(scheduleLayout) + `"},
		"messages": [{"to": "1", "content": "x"}]}`)
	if a.Data.Scheduled == "" {
		t.Errorf("answer %+v", a)
	}
	e.waitState(a.Data.BatchID, stateDone)
	subs := e.b.submits()
	if len(subs) != 1 {
		t.Fatalf("%d submits", len(subs))
	}
	if subs[0].received.Before(at) {
		t.Errorf("sent at %v, scheduled for %v", subs[0].received, at)
	}
}

func batchOf(n int) string {
	var to []string
	for i := range n {
		to = append(to, `"`+itoa(1000+i)+`"`)
	}
	return `{"messages": [{"to": [` + strings.Join(to, ",") + `], "content": "x"}]}`
}

func TestSendBatchResumesAfterRestart(t *testing.T) {
	slow := Options{BatchRate: 2, BatchWindow: 1}
	e := bulkEnv(t, slow)
	a := e.sendBatch(batchOf(20))
	waitFor(t, "two messages sent", func() bool { return e.progress(a.Data.BatchID).Sent >= 2 })
	e.restart(Options{BatchRate: 1000})
	sentBefore := len(e.b.submits())
	v := e.waitState(a.Data.BatchID, stateDone)
	if v.Total != 20 || v.Sent != 20 || v.Failed != 0 {
		t.Errorf("progress %+v", v)
	}
	subs := e.b.submits()
	var got []string
	for _, s := range subs {
		got = append(got, string(s.parts[0].Dest.Addr))
	}
	sort.Strings(got)
	if len(got) != 20 {
		t.Fatalf("%d submits (%d before the restart), want 20 exactly once each: %v", len(got), sentBefore, got)
	}
	for i, d := range got {
		if d != itoa(1000+i) {
			t.Fatalf("destinations %v", got)
		}
	}
	if sentBefore >= 20 {
		t.Logf("the batch finished before the restart; resumption not exercised")
	}
}

func TestSendBatchCancel(t *testing.T) {
	e := bulkEnv(t, Options{BatchRate: 2, BatchWindow: 1})
	a := e.sendBatch(batchOf(20))
	waitFor(t, "a message sent", func() bool { return e.progress(a.Data.BatchID).Sent >= 1 })
	st, body, _ := e.rest("DELETE", "/secure/batch/"+a.Data.BatchID, "foo", "bar", "")
	if st != 200 || !strings.Contains(body, `"state":"cancelled"`) {
		t.Fatalf("cancel: %d %s", st, body)
	}
	v := e.waitState(a.Data.BatchID, stateCancelled)
	waitFor(t, "the worker to end", func() bool { return e.progress(a.Data.BatchID).FinishedAt != "" })
	n := len(e.b.submits())
	if n >= 20 {
		t.Fatalf("%d submits: nothing cancelled", n)
	}
	time.Sleep(1500 * time.Millisecond) // three batch intervals
	if m := len(e.b.submits()); m != n {
		t.Errorf("%d more messages after the cancel", m-n)
	}
	v = e.progress(a.Data.BatchID)
	if v.Sent != n || v.Pending == 0 {
		t.Errorf("progress %+v with %d submits", v, n)
	}
	if st, body, _ := e.rest("DELETE", "/secure/batch/"+a.Data.BatchID, "foo", "bar", ""); st != 409 {
		t.Errorf("second cancel: %d %s", st, body)
	}
	e.restart(Options{BatchRate: 1000})
	time.Sleep(200 * time.Millisecond)
	if v := e.progress(a.Data.BatchID); v.State != stateCancelled || len(e.b.submits()) != n {
		t.Errorf("after restart: %+v, %d submits", v, len(e.b.submits()))
	}

	// A scheduled batch cancelled never runs, even once due.
	b := e.sendBatch(`{"batch_config": {"schedule_at": "1s"}, "messages": [{"to": "5", "content": "x"}]}`)
	if st, body, _ := e.rest("DELETE", "/secure/batch/"+b.Data.BatchID, "foo", "bar", ""); st != 200 {
		t.Fatalf("cancel scheduled: %d %s", st, body)
	}
	time.Sleep(1500 * time.Millisecond)
	if v := e.progress(b.Data.BatchID); v.State != stateCancelled || v.Sent != 0 || len(e.b.submits()) != n {
		t.Errorf("scheduled then cancelled: %+v", v)
	}
}

func TestBatchOwnerOnly(t *testing.T) {
	e := bulkEnv(t, Options{})
	u, err := router.NewUser("u2", "g1", "other", "pw")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.acc.AddUser(u); err != nil {
		t.Fatal(err)
	}
	a := e.sendBatch(`{"batch_config": {"schedule_at": "86400s"}, "messages": [{"to": "1", "content": "x"}]}`)
	for _, m := range []string{"GET", "DELETE"} {
		st, body, _ := e.rest(m, "/secure/batch/"+a.Data.BatchID, "other", "pw", "")
		if st != 404 || body != `{"message": "Unknown batch `+a.Data.BatchID+`"}` {
			t.Errorf("%s by another user: %d %s", m, st, body)
		}
	}
	if v := e.progress(a.Data.BatchID); v.State != stateScheduled {
		t.Errorf("state %s", v.State)
	}
	if st, _, _ := e.rest("GET", "/secure/batch/nope", "foo", "bar", ""); st != 404 {
		t.Errorf("unknown batch: %d", st)
	}
}

func TestBatchThroughputWaits(t *testing.T) {
	e := bulkEnv(t, Options{BatchRate: 1000})
	// 20 per second: the batch waits for the quota instead of failing.
	e.setCred("mt_messaging_cred", "quota", "http_throughput", "20")
	a := e.sendBatch(batchOf(5))
	v := e.waitState(a.Data.BatchID, stateDone)
	if v.Sent != 5 || v.Failed != 0 {
		t.Errorf("progress %+v", v)
	}
}

// A batch was acknowledged: a message the gateway refuses for a passing
// reason (a full disk) waits and goes again instead of failing to the
// errback; once the disk has room, every message is sent and the
// callback_url hears of each.
func TestSendBatchWaitsOutTransientRefusals(t *testing.T) {
	e := bulkEnv(t, Options{})
	rcv := newReceiver(t)
	e.b.mu.Lock()
	e.b.refuse = diskFullRefusal{}
	e.b.mu.Unlock()
	a := e.sendBatch(`{"batch_config": {"callback_url": "` + rcv.srv.URL + `/ok", "errback_url": "` + rcv.srv.URL + `/err"},
  "messages": [{"to": ["33600000001", "33600000002"], "content": "hello"}]}`)
	waitFor(t, "the batch's first message refused", func() bool {
		e.b.mu.Lock()
		defer e.b.mu.Unlock()
		return e.b.calls >= 2
	})
	if v := e.progress(a.Data.BatchID); v.Failed != 0 || v.State != stateRunning {
		t.Fatalf("progress while the disk is full: %+v, want running with nothing failed", v)
	}
	e.b.mu.Lock()
	e.b.refuse = nil
	e.b.mu.Unlock()
	v := e.waitState(a.Data.BatchID, stateDone)
	if v.Sent != 2 || v.Failed != 0 {
		t.Errorf("progress %+v, want 2 sent, 0 failed", v)
	}
	if subs := e.b.submits(); len(subs) != 2 {
		t.Fatalf("%d submits, want 2", len(subs))
	}
	waitFor(t, "two callbacks", func() bool { hits, _ := rcv.calls(); return len(hits) >= 2 })
	_, paths := rcv.calls()
	for _, p := range paths {
		if p != "GET /ok" {
			t.Errorf("callback %s, want GET /ok only", p)
		}
	}
}
