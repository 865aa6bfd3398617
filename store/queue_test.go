package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// appendSync appends and waits until durable.
func appendSync(t testing.TB, q *Queue, msgs ...NewMsg) []uint64 {
	t.Helper()
	ch := make(chan []uint64, 1)
	var aerr error
	q.Append(msgs, Write{}, func(seqs []uint64, err error) { aerr = err; ch <- seqs })
	seqs := <-ch
	if aerr != nil {
		t.Fatal(aerr)
	}
	return seqs
}

func ackSync(t testing.TB, q *Queue, m *Msg) {
	t.Helper()
	ch := make(chan error, 1)
	q.Ack(m, Write{}, func(err error) { ch <- err })
	if err := <-ch; err != nil {
		t.Fatal(err)
	}
}

func take(t testing.TB, q *Queue) *Msg {
	t.Helper()
	m, err := q.Take()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func msg(prio uint8, s string) NewMsg { return NewMsg{Priority: prio, Payload: []byte(s)} }

func drain(t testing.TB, q *Queue) []string {
	t.Helper()
	var out []string
	for m := take(t, q); m != nil; m = take(t, q) {
		out = append(out, string(m.Payload))
		ackSync(t, q, m)
	}
	return out
}

func TestQueuePriorityThenFIFO(t *testing.T) {
	db := openTest(t, Options{})
	q, err := db.Queue("smppc:a")
	if err != nil {
		t.Fatal(err)
	}
	appendSync(t, q, msg(0, "low1"), msg(3, "urgent1"), msg(1, "mid1"))
	appendSync(t, q, msg(0, "low2"), msg(3, "urgent2"))
	got := fmt.Sprint(drain(t, q))
	if want := "[urgent1 urgent2 mid1 low1 low2]"; got != want {
		t.Fatalf("order %s, want %s", got, want)
	}
	if s := q.Stats(); s.Total() != 0 {
		t.Fatalf("stats after drain %+v", s)
	}
}

func TestQueueBadPriorityRefusedNothingStored(t *testing.T) {
	db := openTest(t, Options{})
	q, _ := db.Queue("q")
	ch := make(chan error, 1)
	q.Append([]NewMsg{msg(1, "ok"), msg(4, "bad")}, Write{}, func(_ []uint64, err error) { ch <- err })
	if err := <-ch; err != ErrBadPriority {
		t.Fatalf("err %v", err)
	}
	if s := q.Stats(); s.Total() != 0 {
		t.Fatalf("something was stored: %+v", s)
	}
}

func TestQueueRestartRestoresLeasesNotAcks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "s")
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	q, _ := db.Queue("q")
	for i := 0; i < 10; i++ {
		appendSync(t, q, msg(uint8(i%4), fmt.Sprint(i)))
	}
	a := take(t, q) // acked: gone for good
	ackSync(t, q, a)
	b := take(t, q) // leased at the crash: back after restart
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	q, _ = db.Queue("q")
	if s := q.Stats(); s.Total() != 9 {
		t.Fatalf("after restart %+v, want 9 messages", s)
	}
	got := drain(t, q)
	if got[0] != string(b.Payload) {
		t.Fatalf("the leased message %q should come first again, got %v", b.Payload, got)
	}
	for _, p := range got {
		if p == string(a.Payload) {
			t.Fatalf("acked message %q came back", p)
		}
	}
	// New appends continue the sequence after the restored ones.
	seqs := appendSync(t, q, msg(0, "new"))
	if seqs[0] <= 10 {
		t.Fatalf("sequence restarted at %d", seqs[0])
	}
}

func TestQueueSpillsToDiskAndRefills(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "s")
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	q, _ := db.Queue("q")
	q.maxResident = 100
	const n = 5000
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		q.Append([]NewMsg{msg(2, fmt.Sprintf("%05d", i))}, Write{}, func(_ []uint64, err error) {
			if err != nil {
				t.Error(err)
			}
			wg.Done()
		})
	}
	wg.Wait()
	if r := q.lanes[2].resident(); r > 100 {
		t.Fatalf("%d resident, cap 100", r)
	}
	// Half now, the rest after a restart (recovery loads only the head).
	for i := 0; i < n/2; i++ {
		m := take(t, q)
		if want := fmt.Sprintf("%05d", i); m == nil || string(m.Payload) != want {
			t.Fatalf("message %d: got %v, want %s", i, m, want)
		}
		ackSync(t, q, m)
	}
	db.Close()
	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	q, _ = db.Queue("q")
	if s := q.Stats(); s.Ready[2] != n/2 {
		t.Fatalf("after restart %d ready, want %d", s.Ready[2], n/2)
	}
	got := drain(t, q)
	if len(got) != n/2 || got[0] != fmt.Sprintf("%05d", n/2) || got[len(got)-1] != fmt.Sprintf("%05d", n-1) {
		t.Fatalf("after restart drained %d messages (%v … %v)", len(got), got[:1], got[len(got)-1:])
	}
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Fatalf("out of order at %d: %s after %s", i, got[i], got[i-1])
		}
	}
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestQueueRequeueDelayAndExpiry(t *testing.T) {
	clk := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	db := openTest(t, Options{Now: clk.Now})
	q, _ := db.Queue("q")
	var expired []string
	q.OnExpire(func(m *Msg) { expired = append(expired, string(m.Payload)) })
	appendSync(t, q, msg(1, "a"), msg(1, "b"))
	appendSync(t, q, NewMsg{Priority: 1, Payload: []byte("short-lived"), Expires: clk.Now().Add(time.Minute)})
	a := take(t, q)
	if err := q.Requeue(a, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	b := take(t, q)
	if string(b.Payload) != "b" {
		t.Fatalf("got %q, want b while a waits", b.Payload)
	}
	ackSync(t, q, b)
	clk.Add(31 * time.Second)
	if m := take(t, q); m == nil || string(m.Payload) != "a" {
		t.Fatalf("requeued message not back first when due: %v", m)
	} else {
		ackSync(t, q, m)
	}
	clk.Add(time.Minute)
	if m := take(t, q); m != nil {
		t.Fatalf("expired message handed out: %q", m.Payload)
	}
	if fmt.Sprint(expired) != "[short-lived]" {
		t.Fatalf("expired %v", expired)
	}
}

func TestQueuePauseResume(t *testing.T) {
	db := openTest(t, Options{})
	q, _ := db.Queue("q")
	q.Pause()
	appendSync(t, q, msg(0, "x"))
	if m := take(t, q); m != nil {
		t.Fatal("paused queue handed out a message")
	}
	q.Resume()
	select {
	case <-q.Notify():
	case <-time.After(time.Second):
		t.Fatal("no notification")
	}
	if m := take(t, q); m == nil {
		t.Fatal("resumed queue empty")
	}
}

func TestQueueCancelAllSurvivesRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "s")
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	q, _ := db.Queue("q")
	other, _ := db.Queue("other")
	appendSync(t, other, msg(0, "keep"))
	for i := 0; i < 20; i++ {
		appendSync(t, q, msg(uint8(i%4), "x"))
	}
	inflight := take(t, q)
	ch := make(chan int, 1)
	q.CancelAll(func(n int, err error) {
		if err != nil {
			t.Error(err)
		}
		ch <- n
	})
	if n := <-ch; n != 19 {
		t.Fatalf("cancelled %d, want 19 (one in flight)", n)
	}
	if err := q.Requeue(inflight, 0); err != nil {
		t.Fatal(err)
	}
	appendSync(t, q, msg(0, "after"))
	db.Close()
	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	q, _ = db.Queue("q")
	other, _ = db.Queue("other")
	if got := fmt.Sprint(drain(t, q)); got != "[after]" {
		t.Fatalf("after cancel and restart: %s", got)
	}
	if got := fmt.Sprint(drain(t, other)); got != "[keep]" {
		t.Fatalf("other queue: %s", got)
	}
}

func TestQueueAppendWithExtraIsAtomic(t *testing.T) {
	db := openTest(t, Options{})
	q, _ := db.Queue("q")
	ch := make(chan error, 1)
	q.Append([]NewMsg{msg(0, "p1"), msg(0, "p2"), msg(0, "p3")},
		Write{Apply: func(b *Batch) { b.set([]byte{ksCounter, 'u'}, []byte("charged")) }},
		func(_ []uint64, err error) { ch <- err })
	if err := <-ch; err != nil {
		t.Fatal(err)
	}
	v, c, err := db.pdb.Get([]byte{ksCounter, 'u'})
	if err != nil || string(v) != "charged" {
		t.Fatalf("extra mutation missing: %v", err)
	}
	c.Close()
	if got := fmt.Sprint(drain(t, q)); got != "[p1 p2 p3]" {
		t.Fatalf("parts %s", got)
	}
}

func TestQueueAckOfUnleasedRefused(t *testing.T) {
	db := openTest(t, Options{})
	q, _ := db.Queue("q")
	appendSync(t, q, msg(0, "x"))
	m := take(t, q)
	ackSync(t, q, m)
	ch := make(chan error, 1)
	q.Ack(m, Write{}, func(err error) { ch <- err })
	if err := <-ch; err != ErrNotLeased {
		t.Fatalf("double ack: %v", err)
	}
	if err := q.Requeue(m, 0); err != ErrNotLeased {
		t.Fatalf("requeue after ack: %v", err)
	}
}

func TestQueueSeqNeverRepeatsAfterRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "s")
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	q, _ := db.Queue("q")
	first := appendSync(t, q, msg(0, "a"))[0]
	drain(t, q) // every message acked: no key left to count from
	db.Close()
	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	q, _ = db.Queue("q")
	if again := appendSync(t, q, msg(0, "b"))[0]; again <= first {
		t.Fatalf("sequence %d reused after restart (first was %d)", again, first)
	}
}

func TestQueueRefusedCancelChangesNothing(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "s"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	q, _ := db.Queue("q")
	appendSync(t, q, msg(0, "a"), msg(1, "b"))
	db.Close()
	ch := make(chan error, 1)
	q.CancelAll(func(_ int, err error) { ch <- err })
	if err := <-ch; err != ErrClosed {
		t.Fatalf("cancel on a closed store: %v", err)
	}
	if s := q.Stats(); s.Total() != 2 {
		t.Fatalf("a refused cancel emptied the queue: %+v", s)
	}
}

// appendErr appends and returns the append's error.
func TestQueueCapsRefuseAppendsPastThem(t *testing.T) {
	db := openTest(t, Options{})
	q, _ := db.Queue("mt/dead")
	q.SetCaps(3, 0)
	appendSync(t, q, msg(0, "a"), msg(1, "b"))
	// All or none: two more would make four.
	err := appendErr(q, msg(0, "c"), msg(0, "d"))
	var qf *QueueFullError
	if !errors.As(err, &qf) || !errors.Is(err, ErrQueueFull) || qf.Queue != "mt/dead" || qf.Held != 2 || qf.MaxMessages != 3 {
		t.Fatalf("err %v (%+v), want a QueueFullError of mt/dead holding 2 of 3", err, qf)
	}
	appendSync(t, q, msg(0, "c"))
	if err := appendErr(q, msg(0, "d")); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("fourth message: %v", err)
	}
	if s := q.Stats(); s.Held != 3 || s.Bytes != 3 || s.Refused != 2 || s.Total() != 3 {
		t.Fatalf("stats %+v, want 3 held, 3 octets, 2 refused", s)
	}
	// Leased still counts; acked does not.
	m := take(t, q)
	if err := appendErr(q, msg(0, "d")); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("with one leased: %v", err)
	}
	ackSync(t, q, m)
	appendSync(t, q, msg(0, "d"))

	// Bytes: a cap of 10 octets, 4 held.
	b, _ := db.Queue("out/u")
	b.SetCaps(0, 10)
	appendSync(t, b, msg(0, "1234"))
	if err := appendErr(b, msg(0, "1234567")); !errors.As(err, &qf) || qf.Bytes != 4 || qf.MaxBytes != 10 {
		t.Fatalf("past the byte cap: %v", err)
	}
	appendSync(t, b, msg(0, "123456"))
	if s := b.Stats(); s.Bytes != 10 || s.Held != 2 {
		t.Fatalf("byte stats %+v", s)
	}
	// Drained, it takes messages again.
	drain(t, b)
	if s := b.Stats(); s.Bytes != 0 || s.Held != 0 {
		t.Fatalf("drained stats %+v", s)
	}
	appendSync(t, b, msg(0, "1234567890"))
}

func TestQueueHeldCountsSurviveRestartAndExpiry(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "s")
	clk := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	db, err := Open(dir, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	q, _ := db.Queue("q")
	appendSync(t, q, msg(0, "aa"), msg(1, "bbb"))
	appendSync(t, q, NewMsg{Priority: 2, Expires: clk.now.Add(time.Minute), Payload: []byte("ccccc")})
	take(t, q) // leased at the stop: counted after the restart
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(dir, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	q, _ = db.Queue("q")
	if s := q.Stats(); s.Held != 3 || s.Bytes != 10 {
		t.Fatalf("after restart %+v, want 3 messages of 10 octets", s)
	}
	q.SetCaps(3, 0)
	if err := appendErr(q, msg(0, "d")); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("the cap forgot what the disk holds: %v", err)
	}
	clk.Add(2 * time.Minute)
	if got := drain(t, q); fmt.Sprint(got) != "[bbb aa]" {
		t.Fatalf("drained %v", got)
	}
	if s := q.Stats(); s.Held != 0 || s.Bytes != 0 {
		t.Fatalf("after drain and expiry %+v", s)
	}
	appendSync(t, q, msg(0, "d"))
}

func TestQueueCancelAllAndRequeueKeepCounts(t *testing.T) {
	db := openTest(t, Options{})
	q, _ := db.Queue("q")
	appendSync(t, q, msg(0, "aa"), msg(0, "bbb"), msg(0, "c"))
	m := take(t, q)
	if err := q.Requeue(m, time.Hour); err != nil {
		t.Fatal(err)
	}
	if s := q.Stats(); s.Held != 3 || s.Bytes != 6 {
		t.Fatalf("with one delayed %+v", s)
	}
	l := take(t, q)
	ch := make(chan error, 1)
	q.CancelAll(func(_ int, err error) { ch <- err })
	if err := <-ch; err != nil {
		t.Fatal(err)
	}
	if s := q.Stats(); s.Held != 1 || s.Bytes != int64(len(l.Payload)) {
		t.Fatalf("after cancel, one leased %+v", s)
	}
	if err := q.Requeue(l, 0); err != nil {
		t.Fatal(err)
	}
	if s := q.Stats(); s.Held != 0 || s.Bytes != 0 {
		t.Fatalf("after the cancelled lease came back %+v", s)
	}
}

func TestQueuesWithRecordsListsOnlyNonEmpty(t *testing.T) {
	db := openTest(t, Options{})
	full, _ := db.Queue("out/a")
	appendSync(t, full, msg(0, "x"))
	db.Queue("out/b") // empty
	drained, _ := db.Queue("out/c")
	appendSync(t, drained, msg(0, "y"))
	drain(t, drained)
	other, _ := db.Queue("mt/d")
	appendSync(t, other, msg(0, "z"))
	names, err := db.QueuesWithRecords("out/")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(names) != "[out/a]" {
		t.Fatalf("queues with records %v, want [out/a]", names)
	}
}
