package store

import (
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Run: go test -run='^$' -bench=DLR -benchtime=200000x -count=3 ./store
//
// Each op of BenchmarkDLRPutGet is one PutDLR (async, fsync on, group
// commit) and one LookupDLR, from benchWorkers goroutines, timed until
// every put is durable and every lookup answered. ops/s counts puts and
// lookups together (2 per b.N); pairs/s counts put+lookup pairs. Each
// worker keeps at most benchWindow puts in flight, like a connector's
// window. "lagged" receipts are for messages put 256 rounds earlier (found
// in the in-memory table); "racing" receipts chase the put just made (held
// until it is durable). cpu-µs/pair is the process's CPU time per pair:
// steadier than wall time when the machine is shared.

const (
	benchWorkers = 64
	benchWindow  = 256
)

// benchIDs are SMSC-like ids spread over the key space, and gateway ids.
func benchIDs(n int) (ids, gids []string) {
	ids, gids = make([]string, n), make([]string, n)
	for i := range ids {
		z := uint64(i) + 0x9E3779B97F4A7C15 // splitmix64
		z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
		z = (z ^ z>>27) * 0x94D049BB133111EB
		z ^= z >> 31
		ids[i] = strconv.FormatUint(z, 16)
		gids[i] = "0f3c2a9e-5b1d-4c7a-9e21-" + strconv.FormatUint(uint64(i)+1<<40, 16)
	}
	return ids, gids
}

func benchIndex(b *testing.B, opts Options) *Index {
	db := openTest(b, opts)
	x, err := NewIndex(db, TTLs{}, IndexOptions{SweepEvery: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = x.Close() })
	return x
}

var benchDest = []byte("http://client.example.com/dlr?level=3&method=POST")

// runPutGet: worker w puts ids w, w+W, w+2W, … and, after each put, looks
// up the id it put lag rounds earlier (the receipt of an older message);
// with lag 0 it looks up the id it just put, racing its own mapping to
// disk (held until the put lands).
func runPutGet(b *testing.B, lag int) {
	x := benchIndex(b, Options{})
	n := b.N
	ids, gids := benchIDs(n)
	var wg sync.WaitGroup
	wg.Add(2 * n)
	var failed, misses atomic.Int64
	putDone := func(err error) {
		if err != nil {
			failed.Add(1)
		}
		wg.Done()
	}
	lookDone := func(d DLR, err error) {
		if err != nil {
			misses.Add(1)
		}
		wg.Done()
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	flush0 := x.db.pdb.Metrics().Flush.Count
	start := time.Now()
	for w := 0; w < benchWorkers; w++ {
		go func(w int) {
			// Like a connector's window: at most benchWindow puts in
			// flight per worker.
			window := make(chan struct{}, benchWindow)
			for i := w; i < n; i += benchWorkers {
				window <- struct{}{}
				x.PutDLR(DLR{Connector: "smsc-1", SMSCID: ids[i], GatewayID: gids[i], Dest: benchDest}, func(err error) {
					<-window
					putDone(err)
				})
				j := i - lag*benchWorkers
				if j < 0 {
					j = i
				}
				x.LookupDLR("smsc-1", ids[j], lookDone)
			}
		}(w)
	}
	wg.Wait()
	el := time.Since(start)
	cpu := cpuTime() - cpu0
	b.StopTimer()
	if failed.Load() != 0 || misses.Load() != 0 {
		b.Fatalf("%d puts failed, %d lookups missed", failed.Load(), misses.Load())
	}
	st := x.db.CommitStats()
	b.ReportMetric(float64(2*n)/el.Seconds(), "ops/s")
	b.ReportMetric(float64(n)/el.Seconds(), "pairs/s")
	b.ReportMetric(float64(st.Writes)/float64(max(st.Commits, 1)), "writes/commit")
	// CPU per pair is steadier than wall time on a shared machine: two
	// cores give at most 2/cpu pairs per second.
	b.ReportMetric(float64(cpu.Nanoseconds())/1e3/float64(n), "cpu-µs/pair")
	b.ReportMetric(float64(x.db.pdb.Metrics().Flush.Count-flush0), "memtable-flushes")
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkDLRPutGet(b *testing.B) {
	b.Run("lagged", func(b *testing.B) { runPutGet(b, 256) })
	b.Run("racing", func(b *testing.B) { runPutGet(b, 0) })
}

// BenchmarkDLRPut: puts only, fsync on.
func BenchmarkDLRPut(b *testing.B) {
	x := benchIndex(b, Options{})
	n := b.N
	ids, gids := benchIDs(n)
	var wg sync.WaitGroup
	wg.Add(n)
	done := func(error) { wg.Done() }
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	start := time.Now()
	for w := 0; w < benchWorkers; w++ {
		go func(w int) {
			window := make(chan struct{}, benchWindow)
			for i := w; i < n; i += benchWorkers {
				window <- struct{}{}
				x.PutDLR(DLR{Connector: "smsc-1", SMSCID: ids[i], GatewayID: gids[i], Dest: benchDest}, func(error) {
					<-window
					done(nil)
				})
			}
		}(w)
	}
	wg.Wait()
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "ops/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/1e3/float64(n), "cpu-µs/op")
}

// BenchmarkDLRGet: lookups only, of ids put beforehand: "table" answers
// from the in-memory table of recent registrations, "pebble" with a table
// too small to hold them (receipts for older messages, or after a restart).
func BenchmarkDLRGet(b *testing.B) {
	b.Run("table", func(b *testing.B) { runGet(b, 1<<21) })
	b.Run("pebble", func(b *testing.B) { runGet(b, 1) })
}

func runGet(b *testing.B, cache int) {
	db := openTest(b, Options{NoSync: true})
	x, err := NewIndex(db, TTLs{}, IndexOptions{SweepEvery: -1, DLRCache: cache, Hold: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = x.Close() })
	n := b.N
	ids, gids := benchIDs(n)
	var wg sync.WaitGroup
	wg.Add(n)
	for i := range ids {
		x.PutDLR(DLR{Connector: "smsc-1", SMSCID: ids[i], GatewayID: gids[i], Dest: benchDest}, func(error) { wg.Done() })
	}
	wg.Wait()
	var misses atomic.Int64
	wg.Add(n)
	look := func(_ DLR, err error) {
		if err != nil {
			misses.Add(1)
		}
		wg.Done()
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	workers := runtime.GOMAXPROCS(0) * 4
	for w := 0; w < workers; w++ {
		go func(w int) {
			for i := w; i < n; i += workers {
				x.LookupDLR("smsc-1", ids[(i*7919)%n], look)
			}
		}(w)
	}
	wg.Wait()
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "ops/s")
	if misses.Load() != 0 {
		b.Fatalf("%d misses", misses.Load())
	}
}
