package thrower

import (
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/store"
)

// switchable is a receiver that answers 503 until up, then ACK/Jasmin,
// and counts per callback id (its "id" parameter) the answers that
// accepted it.
type switchable struct {
	*receiver
	up       atomic.Bool
	mu       sync.Mutex
	accepted map[string]int
}

func newSwitchable(t *testing.T) *switchable {
	s := &switchable{accepted: map[string]int{}}
	s.receiver = newReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		if !s.up.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		s.mu.Lock()
		s.accepted[r.FormValue("id")]++
		s.mu.Unlock()
		io.WriteString(w, "ACK/Jasmin")
	})
	return s
}

// exactlyOnce reports the ids of 0..n-1 not accepted exactly once, and
// ids accepted that were never thrown.
func (s *switchable) exactlyOnce(prefix string, n int) (bad []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range n {
		if id := prefix + strconv.Itoa(i); s.accepted[id] != 1 {
			bad = append(bad, id+"×"+strconv.Itoa(s.accepted[id]))
		}
	}
	if len(s.accepted) != n {
		bad = append(bad, "distinct ids accepted: "+strconv.Itoa(len(s.accepted)))
	}
	return bad
}

func (s *switchable) acceptedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.accepted)
}

// throwMany stores n callbacks of kind to url, ids prefix0…, without
// waiting for each.
func throwMany(t *testing.T, th *Thrower, kind Kind, url, prefix string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	var failed atomic.Int32
	for i := range n {
		wg.Add(1)
		id := prefix + strconv.Itoa(i)
		th.Throw(&Callback{Kind: kind, Method: "POST", URL: url, Ref: id, Params: []Param{{"id", id}}},
			func(err error) {
				if err != nil {
					failed.Add(1)
				}
				wg.Done()
			})
	}
	wg.Wait()
	if f := failed.Load(); f != 0 {
		t.Fatalf("%d of %d throws failed", f, n)
	}
}

// queueCheck is what a dead receiver's backlog may hold in memory: no
// callback in any queue's in-memory delayed heap, and at most
// retryResident resident in each retry queue.
func queueCheck(t *testing.T, db *store.DB, kind Kind) {
	t.Helper()
	q, err := db.Queue("throw/" + kind.String())
	if err != nil {
		t.Fatal(err)
	}
	if s := q.Stats(); s.Delayed != 0 {
		t.Fatalf("%s: %d callbacks delayed in memory", q.Name(), s.Delayed)
	}
	for k := range numLevels {
		q, err := db.Queue(retryQueueName(kind, k))
		if err != nil {
			t.Fatal(err)
		}
		if s, r := q.Stats(), q.Resident(); s.Delayed != 0 || r > retryResident {
			t.Fatalf("%s: %d delayed in memory, %d resident (limit %d)", q.Name(), s.Delayed, r, retryResident)
		}
	}
}

// backoffPolicy retries after 20 ms once, then doubles up to 160 ms
// (levels 0-3), for an hour.
var backoffPolicy = Policy{Timeout: 5 * time.Second, RetryDelay: 20 * time.Millisecond, MaxRetries: 1,
	MaxRetryDelay: 160 * time.Millisecond, TTL: time.Hour}

// TestReceiverDownForBackoffLevelsThenUp: a receiver that answers 503
// long enough for callbacks to climb the back-off levels and for its
// breaker to open several times loses none: once it answers, every
// callback arrives exactly once, none given up. (Before: dropped after
// max_retries.)
func TestReceiverDownForBackoffLevelsThenUp(t *testing.T) {
	rc := newSwitchable(t)
	th := start(t, Config{Policies: policies(backoffPolicy), Workers: 8, PerHost: 4})
	const n = 50
	throwMany(t, th, DLR, rc.url("/dlr"), "d", n)
	waitFor(t, "the breaker opening three times", func() bool { return th.Stats().DLR.Trips >= 3 })
	s := th.Stats().DLR
	if s.Failed != 0 || s.Queued < n || s.Deferred == 0 || s.Retries < breakerFailures {
		t.Fatalf("while down: %+v", s)
	}
	rc.up.Store(true)
	waitFor(t, "every callback delivered", func() bool { return th.Stats().DLR.Delivered == n })
	if bad := rc.exactlyOnce("d", n); bad != nil {
		t.Fatalf("not delivered exactly once: %v", bad)
	}
	if s := th.Stats().DLR; s.Queued != 0 || s.Failed != 0 || s.DeadLetters != 0 {
		t.Fatalf("after: %+v", s)
	}
}

// TestDeadReceiverBacklogStaysOnDisk: thousands of callbacks for a
// receiver that is down wait on disk: nothing in a queue's in-memory
// delayed heap, each retry queue's resident part bounded, while they go
// round the back-off; then all arrive once. (Before: every one sat in the
// main queue's delayed heap.)
func TestDeadReceiverBacklogStaysOnDisk(t *testing.T) {
	rc := newSwitchable(t)
	db := openDB(t, t.TempDir())
	defer db.Close()
	p := Policy{Timeout: 5 * time.Second, RetryDelay: 200 * time.Millisecond, MaxRetries: 0,
		MaxRetryDelay: 800 * time.Millisecond, TTL: time.Hour}
	th, err := Open(db, Config{Policies: policies(p), Workers: 16, PerHost: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer th.Close()
	const n = 3000
	throwMany(t, th, MO, rc.url("/mo"), "m", n)
	for i := 0; ; i++ {
		queueCheck(t, db, MO)
		s := th.Stats().MO
		if s.Deferred+s.Retries >= 2*n {
			break // each went round at least twice on average
		}
		if i == 3000 {
			t.Fatalf("backlog not cycling: %+v", s)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if s := th.Stats().MO; s.Queued < n || s.Delivered != 0 || s.Failed != 0 || s.Waiting > 0 {
		t.Fatalf("while down: %+v", s)
	}
	rc.up.Store(true)
	for th.Stats().MO.Delivered < n {
		queueCheck(t, db, MO)
		time.Sleep(10 * time.Millisecond)
		if rc.acceptedCount() == 0 && th.Stats().MO.Trips > 100 {
			t.Fatalf("never recovered: %+v", th.Stats().MO)
		}
	}
	if bad := rc.exactlyOnce("m", n); bad != nil {
		t.Fatalf("not delivered exactly once: %v", bad[:min(len(bad), 10)])
	}
}

// TestRetriesResumeFromDiskAfterRestart: callbacks spread over the retry
// levels when gwd stops are all delivered, once, by the next run.
func TestRetriesResumeFromDiskAfterRestart(t *testing.T) {
	rc := newSwitchable(t)
	dir := t.TempDir()
	db := openDB(t, dir)
	th, err := Open(db, Config{Policies: policies(backoffPolicy), Workers: 8, PerHost: 4})
	if err != nil {
		t.Fatal(err)
	}
	const n = 40
	throwMany(t, th, Event, rc.url("/ev"), "e", n)
	waitFor(t, "callbacks on the higher levels", func() bool {
		q, _ := db.Queue(retryQueueName(Event, 2))
		return q.Stats().Total() > 0
	})
	th.Close()
	db.Close()
	if rc.acceptedCount() != 0 {
		t.Fatal("accepted while down")
	}

	rc.up.Store(true)
	db = openDB(t, dir)
	defer db.Close()
	th, err = Open(db, Config{Policies: policies(backoffPolicy), Workers: 8, PerHost: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer th.Close()
	waitFor(t, "every callback delivered after the restart", func() bool { return th.Stats().Event.Delivered == n })
	if bad := rc.exactlyOnce("e", n); bad != nil {
		t.Fatalf("not delivered exactly once: %v", bad)
	}
}

// TestOldRetryRecordInMainQueue: a retry an older version stored in the
// kind's queue (version 2, its time ahead) waits for its time on disk in
// a retry queue, not in memory, and is made then.
func TestOldRetryRecordInMainQueue(t *testing.T) {
	rc := newReceiver(t, ack)
	db := openDB(t, t.TempDir())
	defer db.Close()
	cb := &Callback{Kind: DLR, Method: "POST", URL: rc.url("/dlr"), Params: []Param{{"id", "old"}}}
	v3 := appendRecord(nil, cb, methodPOST, AcceptJasminACK)
	v2 := append([]byte{2}, v3[1:offFirst]...)
	v2 = append(v2, v3[headerLen:]...)
	v2[offTries+3] = 2
	due := time.Now().Add(time.Hour)
	for i := range 8 {
		v2[offNotBefore+i] = byte(due.UnixNano() >> (56 - 8*i))
	}
	q, err := db.Queue("throw/dlr")
	if err != nil {
		t.Fatal(err)
	}
	stored := make(chan error, 1)
	q.Append([]store.NewMsg{{Payload: v2}}, store.Write{}, func(_ []uint64, err error) { stored <- err })
	if err := <-stored; err != nil {
		t.Fatal(err)
	}
	var now atomic.Int64
	now.Store(time.Now().UnixNano())
	th, err := Open(db, Config{Policies: policies(backoffPolicy), Now: func() time.Time { return time.Unix(0, now.Load()) }})
	if err != nil {
		t.Fatal(err)
	}
	defer th.Close()
	r3, _ := db.Queue(retryQueueName(DLR, 3))
	waitFor(t, "the old retry moved to a retry queue", func() bool { return q.Stats().Total() == 0 && r3.Stats().Total() == 1 })
	queueCheck(t, db, DLR)
	if n := rc.count("/dlr"); n != 0 {
		t.Fatalf("made %d requests an hour early", n)
	}
	now.Store(due.Add(time.Second).UnixNano())
	th.lanes[DLR-1].poke()
	waitFor(t, "delivery once due", func() bool { return th.Stats().DLR.Delivered == 1 })
	if h := rc.all(); len(h) != 1 || h[0].Body != "id=old" {
		t.Fatalf("receiver saw %+v", h)
	}
}

// TestBackoffPolicy: retry_delay for the first max_retries retries, then
// doubling with ±20 % jitter up to the cap; the give-up rules.
func TestBackoffPolicy(t *testing.T) {
	p := Policy{Timeout: time.Second, RetryDelay: 30 * time.Second, MaxRetries: 3, MaxRetryDelay: time.Hour, TTL: 24 * time.Hour}
	if n := p.levels(); n != 8 { // 30 s × 2^7 = 3840 s ≥ 1 h
		t.Fatalf("levels %d, want 8", n)
	}
	for tries, want := range map[uint32]time.Duration{1: 30 * time.Second, 3: 30 * time.Second, 4: time.Minute,
		5: 2 * time.Minute, 9: 1920 * time.Second, 10: time.Hour, 1000: time.Hour} {
		k := p.retryLevel(tries)
		if got := p.backoff(k); got != want {
			t.Errorf("after %d failures: level %d, %v; want %v", tries, k, got, want)
		}
		for range 200 {
			d := p.retryDelay(k)
			if k == 0 && d != want || d < want*8/10 || d > want*12/10 {
				t.Fatalf("level %d delay %v outside %v ± 20 %%", k, d, want)
			}
		}
	}
	if k := p.deferLevel(5 * time.Minute); p.backoff(k) != 4*time.Minute {
		t.Errorf("put off 5 min: level %d (%v), want 4 min", k, p.backoff(k))
	}
	if k := p.deferLevel(time.Second); k != 0 {
		t.Errorf("put off 1 s: level %d", k)
	}
	h := int64(time.Hour)
	if p.givenUp(3, 0, 25*h) || p.givenUp(4, 0, 23*h) || !p.givenUp(4, 0, 24*h) {
		t.Error("TTL rule: retried while max_retries are left, given up at 24 h")
	}
	jasmin := Policy{Timeout: time.Second, RetryDelay: 30 * time.Second, MaxRetries: 3}
	if jasmin.levels() != 1 || jasmin.givenUp(3, 0, 0) || !jasmin.givenUp(4, 0, 0) || jasmin.retryDelay(jasmin.retryLevel(9)) != 30*time.Second {
		t.Error("TTL 0: four attempts 30 s apart, as Jasmin")
	}
	if jasmin.deferralExpired(0, int64(89*time.Second)) || !jasmin.deferralExpired(0, int64(90*time.Second)) {
		t.Error("TTL 0: a callback put off is given up after max_retries × retry_delay")
	}
}

// TestBlackHoledReceiverDoesNotDelayLive: a receiver that takes requests
// and never answers, with a backlog beyond what may wait in memory for
// it, does not hold up callbacks for a live receiver thrown after it.
// (Before: the feeder waited 100 ms for each callback beyond the first
// 4096 waiting, so the live ones waited minutes.)
func TestBlackHoledReceiverDoesNotDelayLive(t *testing.T) {
	dead := newHanging(t)
	live := newSwitchable(t)
	live.up.Store(true)
	p := Policy{Timeout: time.Hour, RetryDelay: time.Hour, MaxRetries: 3, MaxRetryDelay: time.Hour, TTL: 24 * time.Hour}
	th := start(t, Config{Policies: policies(p), Workers: 8, PerHost: 2})
	hangAll(t, dead)
	const backlog = maxParked + 400
	throwMany(t, th, DLR, dead.url("/dlr"), "dead", backlog)
	throwMany(t, th, DLR, live.url("/dlr"), "live", 20)
	waitFor(t, "the live receiver's 20 callbacks", func() bool { return live.acceptedCount() == 20 })
	s := th.Stats().DLR
	if s.Waiting > maxParked || dead.held.Load() != 2 || s.Queued < backlog {
		t.Fatalf("dead receiver holds %d requests; stats %+v", dead.held.Load(), s)
	}
	if bad := live.exactlyOnce("live", 20); bad != nil {
		t.Fatalf("live receiver: %v", bad)
	}
}

// TestTTLDeadLetterReplayed: a callback still failing when retry_ttl has
// passed goes to the dead letters with its attempts and last error; it
// is listed, replayed as a fresh callback (or deleted) and, replayed,
// arrives once.
func TestTTLDeadLetterReplayed(t *testing.T) {
	rc := newSwitchable(t)
	p := Policy{Timeout: 5 * time.Second, RetryDelay: 20 * time.Millisecond, MaxRetries: 1,
		MaxRetryDelay: 40 * time.Millisecond, TTL: 300 * time.Millisecond}
	th := start(t, Config{Policies: policies(p), Privacy: true})
	before := counterValue(t, `thrower_dead_letters{kind="mo"}`)
	throwMany(t, th, MO, rc.url("/mo?secret=1"), "x", 3)
	waitFor(t, "three dead letters", func() bool { s := th.Stats().MO; return s.DeadLetters == 3 && s.Queued == 0 })
	if s := th.Stats().MO; s.Failed != 3 || s.Delivered != 0 {
		t.Fatalf("stats %+v", s)
	}
	if got := counterValue(t, `thrower_dead_letters{kind="mo"}`); got != 3 || before != 0 {
		t.Fatalf("thrower_dead_letters went from %v to %v", before, got)
	}
	dls, err := th.DeadLetters("mo", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(dls) != 3 {
		t.Fatalf("listed %+v", dls)
	}
	byRef := map[string]uint64{}
	for _, dl := range dls {
		byRef[dl.Ref] = dl.ID
		// Tried until the TTL: at least the first attempt and max_retries
		// retries, the last at or after 300 ms from the first.
		if dl.Attempts < 2 || dl.LastAttempt.Sub(dl.FirstAttempt) < p.TTL || dl.Method != "POST" ||
			dl.URL != rc.url("/mo") || dl.LastError == "" {
			t.Fatalf("dead letter %+v", dl)
		}
	}
	if _, err := th.DeadLetters("sms", 0, 10); err == nil {
		t.Fatal("unknown kind listed")
	}
	if err := th.DeleteDeadLetter("mo", byRef["x0"]); err != nil {
		t.Fatal(err)
	}
	rc.up.Store(true)
	if n, err := th.ReplayDeadLetters("mo", []uint64{byRef["x1"], byRef["x0"]}); err != nil || n != 1 {
		t.Fatalf("replay one: %d, %v", n, err)
	}
	if n, err := th.ReplayDeadLetters("mo", nil); err != nil || n != 1 {
		t.Fatalf("replay the rest: %d, %v", n, err)
	}
	waitFor(t, "the two replayed delivered", func() bool { return th.Stats().MO.Delivered == 2 })
	if s := th.Stats().MO; s.DeadLetters != 0 || s.Queued != 0 {
		t.Fatalf("after replay: %+v", s)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.accepted) != 2 || rc.accepted["x1"] != 1 || rc.accepted["x2"] != 1 {
		t.Fatalf("accepted %v (x0 deleted, x1 and x2 replayed)", rc.accepted)
	}
}

// TestPolicyOfBackoffKeys: max_retry_delay and retry_ttl of a section
// reach the policy; a section without them (Junebug's events) gets the
// defaults; a cap below retry_delay is refused.
func TestPolicyOfBackoffKeys(t *testing.T) {
	d := config.Default().DLRThrower
	d.RetryTTLHours = 0.05
	p, err := PolicyOf(d)
	if err != nil {
		t.Fatal(err)
	}
	if p.MaxRetryDelay != time.Hour || p.TTL != 3*time.Minute || p.RetryDelay != 30*time.Second || p.MaxRetries != 3 {
		t.Fatalf("policy %+v", p)
	}
	if p, err := PolicyOf(config.Thrower{}); err != nil || p.MaxRetryDelay != time.Hour || p.TTL != 24*time.Hour {
		t.Fatalf("default policy %+v, %v", p, err)
	}
	d.MaxRetryDelaySecs = 10
	if _, err := PolicyOf(d); err == nil {
		t.Fatal("max_retry_delay below retry_delay accepted")
	}
	db := openDB(t, t.TempDir())
	defer db.Close()
	if th, err := Open(db, Config{MO: d}); err == nil {
		th.Close()
		t.Fatal("Open accepted max_retry_delay below retry_delay")
	}
}
