package store

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// The crash test: a child process (this test binary, re-executed with
// -test.run=^TestCrashChild$) appends and acks on a store while the parent
// kills it with SIGKILL at a random moment; the parent then reopens the
// store, reads the queue back and checks it against what the child had
// reported. Rounds repeat on the same directory, so each child also
// recovers what the previous one left, and each check covers every round so
// far.
//
// The child reports on stdout, one line per event, each written with one
// write(2) to a pipe (atomic below PIPE_BUF), so a line is whole or absent:
//
//	READY           the store is open and the queue recovered
//	A <id>          an append's done reported success (the message is durable)
//	L <id>          Take leased the message (so it had landed: durable)
//	S <id>          an ack is about to be submitted (it may or may not land)
//	K <id>          an ack's done reported success (the removal is durable)
//
// An id is r<round>.w<writer>.<n>/<part>of<parts>: the parts of one
// multi-message append share everything up to the slash.
//
// After each kill the parent checks, for every id ever reported:
//
//   - never lost: an id known durable (A or L reported, or read back in an
//     earlier check) whose ack was not submitted since is in the queue;
//   - nothing acknowledged reappears: no K id is in the queue (the only
//     duplicates allowed are leases that were in flight at the kill: an L
//     without a K comes back, which is at-least-once delivery);
//   - atomic appends: if any part of an append is known durable or is in
//     the queue, every part is in the queue or had its ack submitted;
//   - no message is in the queue twice, and FIFO holds within a priority
//     (one writer's appends come back in the order they were made).
//
// Ids in the queue that were never reported are fine: their append was
// durable but the child died before its callback printed.

const (
	crashEnvDir   = "GWD_CRASH_DIR"
	crashEnvSeed  = "GWD_CRASH_SEED"
	crashEnvRound = "GWD_CRASH_ROUND"
	crashQueue    = "crash"
)

// Event flags of the parent's model, per id.
const (
	evAppended = 1 << iota // A: append durable
	evLeased               // L: taken, hence durable
	evAckSent              // S: ack submitted since the id was last seen in the queue
	evAcked                // K: ack durable
	evSeen                 // read back from the queue by a check
	evGone                 // ack submitted, unconfirmed, found gone: counted once
)

// TestCrashChild is the child process of TestCrashGuarantees; run on its
// own it skips.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashEnvDir)
	if dir == "" {
		t.Skip("helper process of TestCrashGuarantees")
	}
	seed, _ := strconv.ParseUint(os.Getenv(crashEnvSeed), 10, 64)
	round, _ := strconv.Atoi(os.Getenv(crashEnvRound))
	crashChild(dir, seed, round) // never returns
}

func crashChild(dir string, seed uint64, round int) {
	fail := func(code int, format string, args ...any) {
		fmt.Fprintf(os.Stderr, "crash child: "+format+"\n", args...)
		os.Exit(code)
	}
	emit := func(kind byte, id string) {
		line := make([]byte, 0, len(id)+3)
		line = append(line, kind, ' ')
		line = append(line, id...)
		line = append(line, '\n')
		if _, err := os.Stdout.Write(line); err != nil {
			fail(2, "write stdout: %v", err)
		}
	}
	db, err := Open(dir, Options{})
	if err != nil {
		fail(3, "open: %v", err)
	}
	q, err := db.Queue(crashQueue)
	if err != nil {
		fail(3, "queue: %v", err)
	}
	// A small memory cap, so lanes spill to disk and refill under the
	// kills too (the consumer's pauses below build the backlog for it).
	q.maxResident = 64
	if _, err := os.Stdout.WriteString("READY\n"); err != nil {
		fail(2, "write stdout: %v", err)
	}

	const writers, window = 4, 4
	pad := strings.Repeat("x", 200)
	for w := 0; w < writers; w++ {
		go func(w int) {
			rng := rand.New(rand.NewPCG(seed, uint64(round)<<8|uint64(w)))
			sem := make(chan struct{}, window)
			for n := 0; ; n++ {
				sem <- struct{}{}
				parts := 1
				if rng.IntN(4) == 0 {
					parts = 2 + rng.IntN(3) // 2 to 4
				}
				prio := uint8(rng.IntN(Priorities))
				msgs := make([]NewMsg, parts)
				ids := make([]string, parts)
				for i := range msgs {
					ids[i] = fmt.Sprintf("r%d.w%d.%d/%dof%d", round, w, n, i+1, parts)
					msgs[i] = NewMsg{Priority: prio, Payload: []byte(ids[i] + " " + pad[:rng.IntN(len(pad))])}
				}
				q.Append(msgs, Write{}, func(_ []uint64, err error) {
					if err != nil {
						fail(4, "append %s: %v", ids[0], err)
					}
					for _, id := range ids {
						emit('A', id)
					}
					<-sem
				})
			}
		}(w)
	}

	// The consumer: take, then ack most, requeue some at once, delay a few.
	// It stops for up to 80 ms now and then, letting a backlog of a few
	// thousand build up.
	go func() {
		rng := rand.New(rand.NewPCG(seed, uint64(round)<<8|0xff))
		work := time.Now()
		for {
			if time.Since(work) > 50*time.Millisecond {
				time.Sleep(time.Duration(rng.IntN(80)) * time.Millisecond)
				work = time.Now()
			}
			m, err := q.Take()
			if err != nil {
				fail(5, "take: %v", err)
			}
			if m == nil {
				select {
				case <-q.Notify():
				case <-time.After(time.Millisecond):
				}
				continue
			}
			id := crashID(m.Payload)
			emit('L', id)
			switch r := rng.IntN(100); {
			case r < 8:
				if err := q.Requeue(m, 0); err != nil {
					fail(5, "requeue %s: %v", id, err)
				}
			case r < 12:
				if err := q.Requeue(m, time.Duration(1+rng.IntN(5))*time.Millisecond); err != nil {
					fail(5, "requeue %s: %v", id, err)
				}
			default:
				emit('S', id)
				q.Ack(m, Write{}, func(err error) {
					if err != nil {
						fail(6, "ack %s: %v", id, err)
					}
					emit('K', id)
				})
			}
		}
	}()

	// The parent kills us long before this; if it does not, exit so that
	// it sees a child that was not killed.
	time.Sleep(time.Minute)
	fail(7, "not killed after a minute")
}

func crashID(payload []byte) string {
	if i := bytes.IndexByte(payload, ' '); i >= 0 {
		payload = payload[:i]
	}
	return string(payload)
}

// crashIDParts splits r1.w2.17/2of3 into its group r1.w2.17, the writer
// r1.w2, the append number 17, the part 2 and the parts 3.
func crashIDParts(id string) (group, writer string, n, part, parts int, ok bool) {
	group, frac, ok := strings.Cut(id, "/")
	if !ok {
		return
	}
	dot := strings.LastIndexByte(group, '.')
	if dot < 0 {
		return "", "", 0, 0, 0, false
	}
	writer = group[:dot]
	var err error
	if n, err = strconv.Atoi(group[dot+1:]); err != nil {
		return "", "", 0, 0, 0, false
	}
	ps, ts, ok := strings.Cut(frac, "of")
	if !ok {
		return
	}
	part, err1 := strconv.Atoi(ps)
	parts, err2 := strconv.Atoi(ts)
	if err1 != nil || err2 != nil || part < 1 || part > parts {
		return "", "", 0, 0, 0, false
	}
	return group, writer, n, part, parts, true
}

// crashModel is the parent's knowledge of every id, across rounds.
type crashModel struct {
	ev     map[string]uint8
	groups map[string]int // group → parts
}

func (m *crashModel) note(id string, flag uint8) error {
	group, _, _, _, parts, ok := crashIDParts(id)
	if !ok {
		return fmt.Errorf("malformed id %q", id)
	}
	m.ev[id] |= flag
	m.groups[group] = parts
	return nil
}

// crashRoundStats summarises one round for the log.
type crashRoundStats struct {
	lines          [4]int // A, L, S, K
	partial        bool
	present        int
	unreported     int // in the queue, never reported in any way
	redelivered    int // leased without a durable ack, back in the queue
	ackedUnconfirm int // ack submitted, not confirmed, and indeed gone
}

func TestCrashGuarantees(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the crash test kills a child process with SIGKILL: Linux only")
	}
	rounds := 10
	if testing.Short() {
		rounds = 4
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(crashEnvSeed); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (set %s=%d to repeat)", seed, crashEnvSeed, seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	dir := filepath.Join(t.TempDir(), "store")
	model := &crashModel{ev: map[string]uint8{}, groups: map[string]int{}}
	lastReady := 100 * time.Millisecond
	for round := 0; round < rounds; round++ {
		// Most rounds kill the child while it works, 50 to 400 ms after its
		// store is open; every fourth kills it at a random moment of its
		// start, open and recovery.
		early := round%4 == 3
		var delay time.Duration
		if early {
			delay = time.Duration(rng.Int64N(int64(2 * lastReady)))
		} else {
			delay = 50*time.Millisecond + time.Duration(rng.Int64N(int64(350*time.Millisecond)))
		}
		lines, ready, partial := runCrashChild(t, dir, seed, round, delay, early)
		if ready > 0 {
			lastReady = ready
		}
		var st crashRoundStats
		st.partial = partial
		for _, ln := range lines {
			kind, id, ok := strings.Cut(ln, " ")
			var flag uint8
			switch kind {
			case "A":
				flag, st.lines[0] = evAppended, st.lines[0]+1
			case "L":
				flag, st.lines[1] = evLeased, st.lines[1]+1
			case "S":
				flag, st.lines[2] = evAckSent, st.lines[2]+1
			case "K":
				flag, st.lines[3] = evAcked, st.lines[3]+1
			default:
				continue // READY, or anything the test framework prints
			}
			if !ok {
				t.Fatalf("round %d: malformed line %q", round, ln)
			}
			if err := model.note(id, flag); err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		model.check(t, dir, round, &st)
		t.Logf("round %d: killed %v after %s: A %d L %d S %d K %d lines%s; queue holds %d (%d never reported, %d redelivered leases, %d unconfirmed acks landed)",
			round, map[bool]string{false: "at work", true: "from start"}[early], delay.Round(time.Millisecond),
			st.lines[0], st.lines[1], st.lines[2], st.lines[3], map[bool]string{false: "", true: " (+ a cut line)"}[st.partial],
			st.present, st.unreported, st.redelivered, st.ackedUnconfirm)
		if t.Failed() {
			return
		}
	}
	// Finally the queue drains, and stays empty across a restart.
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	q, err := db.Queue(crashQueue)
	if err != nil {
		t.Fatal(err)
	}
	n := len(drain(t, q))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	q, err = db.Queue(crashQueue)
	if err != nil {
		t.Fatal(err)
	}
	if s := q.Stats(); s.Total() != 0 {
		t.Fatalf("after draining %d messages and a restart: %+v", n, s)
	}
	t.Logf("drained %d messages at the end; %d ids in all", n, len(model.ev))
}

// runCrashChild runs one child on dir, kills it after delay (counted from
// its READY line, or from its start when fromStart), and returns the whole
// lines it wrote, how long it took to get ready, and whether a cut line was
// dropped.
func runCrashChild(t *testing.T, dir string, seed uint64, round int, delay time.Duration, fromStart bool) (lines []string, ready time.Duration, partial bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1", "-test.timeout=5m")
	cmd.Env = append(os.Environ(),
		crashEnvDir+"="+dir,
		crashEnvSeed+"="+strconv.FormatUint(seed, 10),
		crashEnvRound+"="+strconv.Itoa(round))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	readyc := make(chan struct{})
	type result struct {
		lines   []string
		partial bool
		err     error
	}
	resc := make(chan result, 1)
	go func() {
		var r result
		readyc := readyc // this goroutine's own: nil once closed
		br := bufio.NewReaderSize(out, 1<<16)
		for {
			ln, err := br.ReadString('\n')
			if err != nil {
				// A line without its newline was cut by the kill: it
				// tells nothing.
				r.partial = ln != ""
				if err != io.EOF {
					r.err = err
				}
				break
			}
			ln = ln[:len(ln)-1]
			if ln == "READY" && readyc != nil {
				close(readyc)
				readyc = nil
			}
			r.lines = append(r.lines, ln)
		}
		if readyc != nil {
			close(readyc)
		}
		resc <- r
	}()
	if !fromStart {
		select {
		case <-readyc:
		case <-time.After(time.Minute):
			_ = cmd.Process.Kill()
			<-resc
			_ = cmd.Wait()
			t.Fatalf("round %d: child not ready after a minute; stderr:\n%s", round, stderr.String())
		}
		ready = time.Since(start)
	}
	time.Sleep(delay)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("round %d: kill: %v", round, err)
	}
	r := <-resc // EOF: the child is dead (it is the pipe's only writer)
	_ = cmd.Wait()
	if r.err != nil {
		t.Fatalf("round %d: read child output: %v", round, r.err)
	}
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("round %d: child ended by itself (%v), not by the kill; stderr:\n%s", round, cmd.ProcessState, stderr.String())
	}
	return r.lines, ready, r.partial
}

type crashEntry struct {
	id   string
	prio uint8
}

// check reopens the store, reads the whole queue back without acking (the
// leases die with the store's closing, so the next child sees it all
// again), and holds it against the model.
func (m *crashModel) check(t *testing.T, dir string, round int, st *crashRoundStats) {
	t.Helper()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("round %d: reopen after the kill: %v", round, err)
	}
	defer db.Close()
	q, err := db.Queue(crashQueue)
	if err != nil {
		t.Fatalf("round %d: recover the queue: %v", round, err)
	}
	total := q.Stats().Total()
	var got []crashEntry
	for {
		msg, err := q.Take()
		if err != nil {
			t.Fatalf("round %d: take: %v", round, err)
		}
		if msg == nil {
			break
		}
		got = append(got, crashEntry{crashID(msg.Payload), msg.Priority})
	}
	if len(got) != total {
		t.Errorf("round %d: stats counted %d messages after recovery, Take handed out %d", round, total, len(got))
	}
	present := make(map[string]bool, len(got))
	errs := 0
	errorf := func(format string, args ...any) {
		errs++
		if errs <= 20 {
			t.Errorf("round %d: "+format, append([]any{round}, args...)...)
		}
	}
	// FIFO within a priority: one writer's appends come back in order.
	type lastKey struct {
		prio   uint8
		writer string
	}
	last := map[lastKey][2]int{}
	for _, e := range got {
		if present[e.id] {
			errorf("%s is in the queue twice", e.id)
		}
		present[e.id] = true
		if err := m.note(e.id, 0); err != nil {
			errorf("%v", err)
			continue
		}
		_, writer, n, part, _, _ := crashIDParts(e.id)
		k := lastKey{e.prio, writer}
		if p, ok := last[k]; ok && (n < p[0] || n == p[0] && part <= p[1]) {
			errorf("FIFO broken at priority %d: %s after %s.%d/%d", e.prio, e.id, writer, p[0], p[1])
		}
		last[k] = [2]int{n, part}
	}
	st.present = len(got)

	ids := make([]string, 0, len(m.ev))
	for id := range m.ev {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		ev := m.ev[id]
		switch {
		case present[id] && ev&evAcked != 0:
			errorf("%s was acknowledged (K) and is in the queue again", id)
		case !present[id] && ev&(evAppended|evLeased|evSeen) != 0 && ev&evAckSent == 0:
			errorf("%s was durable (flags %05b) and never acked, and is lost", id, ev)
		}
		if present[id] {
			if ev&(evAppended|evLeased|evSeen) == 0 {
				st.unreported++
			}
			if ev&evLeased != 0 && ev&evAcked == 0 {
				st.redelivered++
			}
		} else if ev&(evAckSent|evAcked|evGone) == evAckSent {
			st.ackedUnconfirm++
			m.ev[id] |= evGone
		}
	}
	// Atomic appends: a group with any part durable has every part in the
	// queue or acked.
	groups := make([]string, 0, len(m.groups))
	for g := range m.groups {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	for _, g := range groups {
		parts := m.groups[g]
		known := false
		for i := 1; i <= parts && !known; i++ {
			id := fmt.Sprintf("%s/%dof%d", g, i, parts)
			known = present[id] || m.ev[id]&(evAppended|evLeased|evSeen) != 0
		}
		if !known {
			continue
		}
		for i := 1; i <= parts; i++ {
			id := fmt.Sprintf("%s/%dof%d", g, i, parts)
			if !present[id] && m.ev[id]&evAckSent == 0 {
				errorf("append %s (%d parts) is torn: part %d is neither in the queue nor acked", g, parts, i)
			}
		}
	}
	if errs > 20 {
		t.Errorf("round %d: … and %d more", round, errs-20)
	}
	// What is in the queue now is durable and not acked: an ack submitted
	// before evidently did not land, so forget it.
	for id := range present {
		m.ev[id] = m.ev[id]&^evAckSent | evSeen
	}
}

// Regression tests for defects found while writing the crash test and the
// benchmarks (see docs/store.md).

// A lane that spilled to disk, refilled up to a record applied but not yet
// durable, and was then drained, must still wake the dispatcher when that
// record lands: Notify promises a wake-up whenever messages become ready.
func TestQueueNotifyWhenSpilledLaneLands(t *testing.T) {
	db := openTest(t, Options{})
	q, err := db.Queue("q")
	if err != nil {
		t.Fatal(err)
	}
	q.maxResident = 2
	for i := 0; i < 4; i++ {
		appendSync(t, q, msg(0, fmt.Sprint(i)))
	}
	// An append that the committer has applied to Pebble but whose fsync
	// has not returned yet: its record is readable, it has not landed.
	q.mu.Lock()
	q.seq++
	late := &Msg{Seq: q.seq, Payload: []byte("late")}
	q.mu.Unlock()
	if err := db.pdb.Set(q.key(0, late.Seq), encodeRecord(0, late.Payload), pebble.NoSync); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		if m := take(t, q); m == nil || string(m.Payload) != fmt.Sprint(i) {
			t.Fatalf("take %d: %v", i, m)
		}
	}
	if m := take(t, q); m != nil {
		t.Fatalf("took %q before it landed", m.Payload)
	}
	select { // the dispatcher has seen an empty queue and waits
	case <-q.Notify():
	default:
	}
	q.landed([]*Msg{late})
	select {
	case <-q.Notify():
	default:
		t.Fatal("a message landed on a spilled lane and Notify stayed silent: the dispatcher sleeps with a message ready")
	}
	if m := take(t, q); m == nil || string(m.Payload) != "late" {
		t.Fatalf("after landing: %v", m)
	}
}

// An append of no messages (only extra mutations) must not bring the
// process down, and must not report success for mutations it dropped.
func TestQueueAppendOfNothing(t *testing.T) {
	db := openTest(t, Options{})
	q, err := db.Queue("q")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan error, 1)
	q.Append(nil, Write{Apply: func(b *Batch) { b.set([]byte{ksCounter, 'z'}, []byte("1")) }},
		func(seqs []uint64, err error) {
			if len(seqs) != 0 {
				t.Errorf("seqs %v for no messages", seqs)
			}
			ch <- err
		})
	if err := <-ch; err != nil {
		t.Fatal(err)
	}
	v, c, err := db.pdb.Get([]byte{ksCounter, 'z'})
	if err != nil {
		t.Fatalf("done reported success, but the extra mutation is not in the store: %v", err)
	}
	if string(v) != "1" {
		t.Fatalf("extra mutation wrote %q", v)
	}
	c.Close()
}

// An ack the store refuses (closed, disk full) leaves the message leased:
// it was neither removed nor handed back, and must not vanish from the
// queue's books (nor from a retry) until a restart.
func TestQueueRefusedAckKeepsLease(t *testing.T) {
	db := openTest(t, Options{})
	q, err := db.Queue("q")
	if err != nil {
		t.Fatal(err)
	}
	appendSync(t, q, msg(0, "x"))
	m := take(t, q)
	_ = db.Close()
	ch := make(chan error, 1)
	q.Ack(m, Write{}, func(err error) { ch <- err })
	if err := <-ch; err != ErrClosed {
		t.Fatalf("ack on a closed store: %v", err)
	}
	if s := q.Stats(); s.Leased != 1 {
		t.Fatalf("after a refused ack the message is neither leased nor ready: %+v", s)
	}
	if err := q.Requeue(m, 0); err != nil {
		t.Fatalf("requeue after a refused ack: %v", err)
	}
}

// A done callback that fails at once (store closed, disk full) must not run
// with the queue's lock held: one that calls back into the queue would
// deadlock, as the successful path allows it.
func TestQueueFailedCallbacksRunUnlocked(t *testing.T) {
	db := openTest(t, Options{})
	q, err := db.Queue("q")
	if err != nil {
		t.Fatal(err)
	}
	appendSync(t, q, msg(0, "x"))
	m := take(t, q)
	_ = db.Close()
	ch := make(chan error, 3)
	go func() {
		q.Append([]NewMsg{msg(0, "y")}, Write{}, func(_ []uint64, err error) { q.Stats(); ch <- err })
		q.Ack(m, Write{}, func(err error) { q.Stats(); ch <- err })
		q.CancelAll(func(_ int, err error) { q.Stats(); ch <- err })
	}()
	for _, what := range []string{"append", "ack", "cancel"} {
		select {
		case err := <-ch:
			if err != ErrClosed {
				t.Fatalf("%s on a closed store: %v, want ErrClosed", what, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s on a closed store: its done callback deadlocked on the queue's lock", what)
		}
	}
}

// A process killed while Pebble writes one of its files atomically leaves
// a temporary.NNNNNN.dbtmp behind (the crash test met it when killing a
// child during Open): the store must still open.
func TestOpenAfterKillLeavesTemporaryFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "s")
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "temporary.000099.dbtmp"), []byte("half an OPTIONS file"), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatalf("open after a kill mid-write: %v", err)
	}
	_ = db.Close()
}

// A process killed during its very first Open, after Pebble created its
// files and before the format marker was written, leaves an empty Pebble
// database: that is gwd's own store, not a foreign one.
func TestOpenAfterKillDuringCreation(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "s")
	pdb, err := pebble.Open(dir, &pebble.Options{Logger: quietLogger{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := pdb.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("open after a kill during creation: %v", err)
	}
	_ = db.Close()
	// Once marked it opens as ever; an unmarked database with data stays
	// foreign (TestOpenRefusesForeignAndLocked).
	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
}
