package store

import (
	"bytes"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Benchmarks of the durable queue, all with fsync on (default Options), as
// gwd runs. docs/store.md gives the figures and the commands.

const benchPayloadSize = 160 // a submit_sm with a 140-octet short message, roughly

func benchPayload() []byte { return bytes.Repeat([]byte{'p'}, benchPayloadSize) }

// pumpQueue pushes n messages through q end to end and returns when the
// last ack is durable. writers goroutines append single messages, each
// keeping at most window appends in flight (waiting for one to be durable
// before starting another): the model of a connection that answers a
// submit_sm only once the message is safe, with an SMPP window of window
// (so 256 writers of window 1 are 256 connections with one submit in
// flight each). One consumer, the dispatcher, takes and acks; its acks are asynchronous
// (it does not wait for one to be durable before taking the next), as
// gwd's dispatcher. every, if not nil, is called by the consumer after
// every 1/10 of n messages taken.
func pumpQueue(tb testing.TB, q *Queue, writers, window, n int, payload []byte, every func(taken int)) {
	var issued atomic.Int64
	var acked atomic.Int64
	allAcked := make(chan struct{})
	var failed atomic.Bool
	fail := func(format string, args ...any) {
		if failed.CompareAndSwap(false, true) {
			tb.Errorf(format, args...)
			close(allAcked)
		}
	}
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots := make(chan struct{}, window)
			for issued.Add(1) <= int64(n) && !failed.Load() {
				slots <- struct{}{}
				q.Append([]NewMsg{{Payload: payload}}, Write{}, func(_ []uint64, err error) {
					if err != nil {
						fail("append: %v", err)
					}
					<-slots
				})
			}
			for range window { // the last ones
				slots <- struct{}{}
			}
		}()
	}
	ackDone := func(err error) {
		if err != nil {
			fail("ack: %v", err)
			return
		}
		if acked.Add(1) == int64(n) {
			close(allAcked)
		}
	}
	step := n / 10
	if step == 0 {
		step = 1
	}
	idle := time.NewTimer(time.Hour)
	for taken := 0; taken < n && !failed.Load(); {
		m, err := q.Take()
		if err != nil {
			fail("take: %v", err)
			break
		}
		if m == nil {
			idle.Reset(10 * time.Millisecond)
			select {
			case <-q.Notify():
			case <-idle.C:
			}
			continue
		}
		q.Ack(m, Write{}, ackDone)
		taken++
		if every != nil && taken%step == 0 {
			every(taken)
		}
	}
	<-allAcked
	wg.Wait()
}

// BenchmarkQueueAppendTakeAck: W writers append, one message at a time
// each (see pumpQueue), one consumer takes and acks; b.N messages in all.
// msgs/s is end to end: from the first append to the last ack durable.
// writes/commit is how many committer Writes (appends and acks) one
// committed batch held on average. writers=256,window=8 lets each writer
// keep 8 appends in flight, as an SMPP client with a window of 8 does.
func BenchmarkQueueAppendTakeAck(b *testing.B) {
	for _, c := range []struct{ writers, window int }{{1, 1}, {16, 1}, {256, 1}, {256, 8}} {
		name := fmt.Sprintf("writers=%d", c.writers)
		if c.window > 1 {
			name += fmt.Sprintf(",window=%d", c.window)
		}
		b.Run(name, func(b *testing.B) {
			db, err := Open(filepath.Join(b.TempDir(), "store"), Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			q, err := db.Queue("bench")
			if err != nil {
				b.Fatal(err)
			}
			payload := benchPayload()
			before := db.CommitStats()
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			pumpQueue(b, q, c.writers, c.window, b.N, payload, nil)
			elapsed := time.Since(start)
			b.StopTimer()
			after := db.CommitStats()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
			if c := after.Commits - before.Commits; c > 0 {
				b.ReportMetric(float64(after.Writes-before.Writes)/float64(c), "writes/commit")
			}
		})
	}
}

// fillQueue appends n messages of benchPayloadSize octets to the queue
// name in a fresh store at dir, spread over the four priorities, in
// appends of 1000 messages with 8 in flight, and closes the store.
func fillQueue(tb testing.TB, dir, name string, n int) {
	db, err := Open(dir, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	q, err := db.Queue(name)
	if err != nil {
		tb.Fatal(err)
	}
	payload := benchPayload()
	const per, inFlight = 1000, 8
	sem := make(chan struct{}, inFlight)
	var wg sync.WaitGroup
	var ferr atomic.Value
	for i := 0; i < n; i += per {
		k := min(per, n-i)
		msgs := make([]NewMsg, k)
		for j := range msgs {
			msgs[j] = NewMsg{Priority: uint8((i + j) % Priorities), Payload: payload}
		}
		sem <- struct{}{}
		wg.Add(1)
		q.Append(msgs, Write{}, func(_ []uint64, err error) {
			if err != nil {
				ferr.Store(err)
			}
			<-sem
			wg.Done()
		})
	}
	wg.Wait()
	if err, _ := ferr.Load().(error); err != nil {
		tb.Fatal(err)
	}
	if got := q.Stats().Total(); got != n {
		tb.Fatalf("filled %d, queue counts %d", n, got)
	}
	if err := db.Close(); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkQueueRecovery1M: a queue holding a backlog of 1,000,000
// messages (160-octet payloads, four priorities), written once outside the
// timer and closed without a flush, so the first Open replays up to a
// memtable of WAL as after a crash. Each op is Open + db.Queue (recovery:
// count every key, load the head of each priority), then Close.
//
//	s/recovery   mean time of one Open + Queue
//	s/first      the first of them, which replays the WAL tail
//	heap-MB      Go heap in use after recovery (after a GC): bounded by the
//	             resident cap (DefaultMaxResident per priority), not by the
//	             backlog
//	resident     messages held in memory after recovery
func BenchmarkQueueRecovery1M(b *testing.B) {
	const backlog = 1_000_000
	dir := filepath.Join(b.TempDir(), "store")
	start := time.Now()
	fillQueue(b, dir, "bench", backlog)
	b.Logf("filled %d messages in %s", backlog, time.Since(start).Round(time.Millisecond))
	var first time.Duration
	b.Run(fmt.Sprintf("backlog=%d", backlog), func(b *testing.B) {
		var total time.Duration
		var heapInuse, resident int
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			runtime.GC()
			b.StartTimer()
			t0 := time.Now()
			db, err := Open(dir, Options{})
			if err != nil {
				b.Fatal(err)
			}
			q, err := db.Queue("bench")
			if err != nil {
				b.Fatal(err)
			}
			d := time.Since(t0)
			b.StopTimer()
			total += d
			if first == 0 {
				first = d
			}
			if got := q.Stats().Total(); got != backlog {
				b.Fatalf("recovered %d messages, want %d", got, backlog)
			}
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			heapInuse = int(ms.HeapInuse)
			q.mu.Lock()
			resident = 0
			for p := range q.lanes {
				resident += q.lanes[p].resident()
			}
			q.mu.Unlock()
			if err := db.Close(); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		b.ReportMetric(total.Seconds()/float64(b.N), "s/recovery")
		b.ReportMetric(first.Seconds(), "s/first")
		b.ReportMetric(float64(heapInuse)/(1<<20), "heap-MB")
		b.ReportMetric(float64(resident), "resident")
	})
}

// BenchmarkQueueSteadyStateSize pushes b.N messages through one queue (256
// writers, one consumer, as BenchmarkQueueAppendTakeAck) and reports the
// store's size on disk (db.Size: WAL, tables, manifest) at the end and the
// largest seen, sampled every 10th of the run. The backlog stays small, so
// a size that does not grow with b.N shows that acked messages are
// reclaimed.
func BenchmarkQueueSteadyStateSize(b *testing.B) {
	db, err := Open(filepath.Join(b.TempDir(), "store"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	q, err := db.Queue("bench")
	if err != nil {
		b.Fatal(err)
	}
	var maxSize int64
	sample := func() int64 {
		n, err := db.Size()
		if err != nil {
			b.Error(err)
		}
		maxSize = max(maxSize, n)
		return n
	}
	var series []string
	b.ResetTimer()
	start := time.Now()
	pumpQueue(b, q, 256, 1, b.N, benchPayload(), func(taken int) {
		series = append(series, fmt.Sprintf("%d:%.0fMB", taken, float64(sample())/(1<<20)))
	})
	elapsed := time.Since(start)
	b.StopTimer()
	final := sample()
	if b.N >= 100_000 {
		m := db.pdb.Metrics()
		b.Logf("%d messages in %s; size by taken count %v; final %.1f MB; tables %d (%.1f MB), L0 files %d, WAL %.1f MB, compactions %d",
			b.N, elapsed.Round(time.Millisecond), series, float64(final)/(1<<20),
			m.Total().TablesCount, float64(m.Total().TablesSize)/(1<<20), m.Levels[0].TablesCount,
			float64(m.WAL.PhysicalSize)/(1<<20), m.Compact.Count)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(final)/(1<<20), "MB-final")
	b.ReportMetric(float64(maxSize)/(1<<20), "MB-max")
}
