package store

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// ixClock is a settable clock for index tests.
type ixClock struct {
	mu  sync.Mutex
	now time.Time
}

func newIxClock() *ixClock { return &ixClock{now: time.Unix(1_700_000_000, 0)} }

func (c *ixClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *ixClock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// openIndex opens a store and an index on it; both close at cleanup.
func openIndex(t testing.TB, opts Options, ttl TTLs, io IndexOptions) (*DB, *Index) {
	t.Helper()
	db := openTest(t, opts)
	if io.SweepEvery == 0 {
		io.SweepEvery = -1
	}
	x, err := NewIndex(db, ttl, io)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = x.Close() })
	return db, x
}

func putDLRSync(t testing.TB, x *Index, ds ...DLR) {
	t.Helper()
	ch := make(chan error, 1)
	if len(ds) == 1 {
		x.PutDLR(ds[0], func(err error) { ch <- err })
	} else {
		x.PutDLRs(ds, func(err error) { ch <- err })
	}
	if err := <-ch; err != nil {
		t.Fatal(err)
	}
}

type lookupResult struct {
	d   DLR
	err error
}

func lookupAsync(x *Index, connector, smscID string) <-chan lookupResult {
	ch := make(chan lookupResult, 1)
	x.LookupDLR(connector, smscID, func(d DLR, err error) { ch <- lookupResult{d, err} })
	return ch
}

func lookupWait(t testing.TB, x *Index, connector, smscID string) (DLR, error) {
	t.Helper()
	select {
	case r := <-lookupAsync(x, connector, smscID):
		return r.d, r.err
	case <-time.After(10 * time.Second):
		t.Fatalf("lookup %s/%s never answered", connector, smscID)
		return DLR{}, nil
	}
}

func deleteDLRSync(t testing.TB, x *Index, d DLR) (int, error) {
	t.Helper()
	type res struct {
		n   int
		err error
	}
	ch := make(chan res, 1)
	x.DeleteDLR(d, func(n int, err error) { ch <- res{n, err} })
	r := <-ch
	return r.n, r.err
}

// countKeys counts the keys of keyspace ks.
func countKeys(t testing.TB, db *DB, ks byte) int {
	t.Helper()
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: []byte{ks}, UpperBound: []byte{ks + 1}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for it.First(); it.Valid(); it.Next() {
		n++
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDLRPutLookup(t *testing.T) {
	_, x := openIndex(t, Options{}, TTLs{}, IndexOptions{Hold: -1})
	dest := []byte("http://client/dlr?level=3")
	in := DLR{Connector: "smsc-a", SMSCID: "1A2B", GatewayID: "gw-1", Dest: dest}
	putDLRSync(t, x, in)
	dest[0] = 'X' // the index kept its own copy

	d, err := lookupWait(t, x, "smsc-a", "1A2B")
	if err != nil {
		t.Fatal(err)
	}
	if d.Connector != "smsc-a" || d.SMSCID != "1A2B" || d.GatewayID != "gw-1" || d.Part != 1 || d.Parts != 1 ||
		string(d.Dest) != "http://client/dlr?level=3" || d.RegisteredAt.IsZero() {
		t.Fatalf("got %+v", d)
	}
	// Another connector, another id: misses at once with Hold < 0.
	for _, k := range [][2]string{{"smsc-b", "1A2B"}, {"smsc-a", "1a2b"}, {"smsc-a", "1A2"}} {
		if _, err := lookupWait(t, x, k[0], k[1]); !errors.Is(err, ErrNotFound) {
			t.Fatalf("%v: err %v, want ErrNotFound", k, err)
		}
	}
	// A later put for the same key replaces the mapping.
	putDLRSync(t, x, DLR{Connector: "smsc-a", SMSCID: "1A2B", GatewayID: "gw-2"})
	if d, err := lookupWait(t, x, "smsc-a", "1A2B"); err != nil || d.GatewayID != "gw-2" || d.Dest != nil {
		t.Fatalf("after replace: %+v %v", d, err)
	}
}

func TestDLRMultipartReverseMap(t *testing.T) {
	_, x := openIndex(t, Options{}, TTLs{}, IndexOptions{Hold: -1})
	var parts []DLR
	for p := uint16(1); p <= 3; p++ {
		parts = append(parts, DLR{Connector: "c1", SMSCID: fmt.Sprintf("id-%d", p), GatewayID: "gw-long", Part: p, Parts: 3, Dest: []byte{byte(p)}})
	}
	// Parts land out of order; an unrelated message shares a prefix.
	putDLRSync(t, x, parts[2], parts[0], parts[1])
	putDLRSync(t, x, DLR{Connector: "c1", SMSCID: "other", GatewayID: "gw-longer", Part: 1, Parts: 2})
	// A single-part message keeps no reverse entry: nothing counts its
	// parts, and DLRByGateway does not know it.
	putDLRSync(t, x, DLR{Connector: "c1", SMSCID: "single", GatewayID: "gw-single"})
	if _, err := x.DLRByGateway("gw-single"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("single-part message by gateway: %v", err)
	}
	if d, err := lookupWait(t, x, "c1", "single"); err != nil || d.GatewayID != "gw-single" {
		t.Fatalf("single-part lookup: %+v %v", d, err)
	}

	got, err := x.DLRByGateway("gw-long")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d parts, want 3: %+v", len(got), got)
	}
	for i, d := range got {
		if d.Part != uint16(i+1) || d.Parts != 3 || d.SMSCID != parts[i].SMSCID || d.Connector != "c1" || !bytes.Equal(d.Dest, parts[i].Dest) {
			t.Fatalf("part %d: %+v", i+1, d)
		}
	}
	// Each part's receipt finds its part.
	for _, p := range parts {
		d, err := lookupWait(t, x, "c1", p.SMSCID)
		if err != nil || d.GatewayID != "gw-long" || d.Part != p.Part {
			t.Fatalf("lookup %s: %+v %v", p.SMSCID, d, err)
		}
	}

	// Finishing parts counts down; a part finished twice says so.
	d2, _ := lookupWait(t, x, "c1", "id-2")
	if n, err := deleteDLRSync(t, x, d2); err != nil || n != 2 {
		t.Fatalf("finish part 2: remaining %d err %v", n, err)
	}
	if _, err := lookupWait(t, x, "c1", "id-2"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("part 2 after delete: %v", err)
	}
	if n, err := deleteDLRSync(t, x, DLR{Connector: "c1", SMSCID: "id-1", GatewayID: "gw-long", Part: 1, Parts: 3}); err != nil || n != 1 {
		t.Fatalf("finish part 1: remaining %d err %v", n, err)
	}
	if n, err := deleteDLRSync(t, x, d2); !errors.Is(err, ErrDLRFinished) || n != 1 {
		t.Fatalf("finish part 2 again: remaining %d err %v", n, err)
	}
	got, err = x.DLRByGateway("gw-long")
	if err != nil || len(got) != 1 || got[0].Part != 3 {
		t.Fatalf("open parts: %+v %v", got, err)
	}
	if n, err := deleteDLRSync(t, x, got[0]); err != nil || n != 0 {
		t.Fatalf("finish part 3: remaining %d err %v", n, err)
	}
	if _, err := x.DLRByGateway("gw-long"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("all finished: %v", err)
	}
	if got, err := x.DLRByGateway("gw-longer"); err != nil || len(got) != 1 {
		t.Fatalf("unrelated message: %+v %v", got, err)
	}
}

// Receipts for every part arriving at once: exactly one finish sees 0.
func TestDLRFinishPartsConcurrently(t *testing.T) {
	_, x := openIndex(t, Options{}, TTLs{}, IndexOptions{Hold: -1})
	const n = 20
	var parts []DLR
	for p := uint16(1); p <= n; p++ {
		parts = append(parts, DLR{Connector: "c", SMSCID: strconv.Itoa(int(p)), GatewayID: "gw", Part: p, Parts: n})
	}
	putDLRSync(t, x, parts...)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var rems []int
	for _, p := range parts {
		wg.Add(1)
		x.DeleteDLR(p, func(rem int, err error) {
			defer wg.Done()
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			rems = append(rems, rem)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(rems)
	for i, r := range rems {
		if r != i {
			t.Fatalf("remaining counts %v, want 0..%d once each", rems, n-1)
		}
	}
}

func TestDLRLookupHeldUntilPut(t *testing.T) {
	_, x := openIndex(t, Options{}, TTLs{}, IndexOptions{Hold: 5 * time.Second})
	ch := lookupAsync(x, "c", "early")
	select {
	case r := <-ch:
		t.Fatalf("answered before the put: %+v", r)
	case <-time.After(50 * time.Millisecond):
	}
	start := time.Now()
	putDone := make(chan error, 1)
	x.PutDLR(DLR{Connector: "c", SMSCID: "early", GatewayID: "gw-e", Dest: []byte("d")}, func(err error) { putDone <- err })
	select {
	case r := <-ch:
		if r.err != nil || r.d.GatewayID != "gw-e" || string(r.d.Dest) != "d" || r.d.Part != 1 {
			t.Fatalf("held lookup: %+v", r)
		}
		if time.Since(start) > 4*time.Second {
			t.Fatalf("held lookup answered after %v: by the timeout, not the put", time.Since(start))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("held lookup never answered")
	}
	if err := <-putDone; err != nil {
		t.Fatal(err)
	}
	if n := x.tab.held.Load(); n != 0 {
		t.Fatalf("%d lookups still held", n)
	}
}

func TestDLRLookupHoldTimesOut(t *testing.T) {
	const hold = time.Second
	_, x := openIndex(t, Options{}, TTLs{}, IndexOptions{Hold: hold, MaxHeld: 2, DLRReaders: 1})
	start := time.Now()
	a, b := lookupAsync(x, "c", "never-1"), lookupAsync(x, "c", "never-2")
	// The table is full: a third miss answers once read (one reader: after
	// the first two were held), not after the hold window.
	if r := <-lookupAsync(x, "c", "never-3"); !errors.Is(r.err, ErrNotFound) {
		t.Fatalf("over the bound: %v", r.err)
	}
	if len(a)+len(b) != 0 {
		t.Fatal("lookup over the bound was held")
	}
	for _, ch := range []<-chan lookupResult{a, b} {
		select {
		case r := <-ch:
			if !errors.Is(r.err, ErrNotFound) {
				t.Fatalf("timed out lookup: %v", r.err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("held lookup never timed out")
		}
	}
	if el := time.Since(start); el < hold {
		t.Fatalf("answered after %v, before the hold window", el)
	}
	if n := x.tab.held.Load(); n != 0 {
		t.Fatalf("%d lookups still held", n)
	}
	// Close answers what is still held.
	ch := lookupAsync(x, "c", "at-close")
	_ = x.Close()
	if r := <-ch; !errors.Is(r.err, ErrClosed) {
		t.Fatalf("held at close: %v", r.err)
	}
	if r := <-lookupAsync(x, "c", "after-close"); !errors.Is(r.err, ErrClosed) {
		t.Fatalf("after close: %v", r.err)
	}
}

// The real race: receipts chasing their own submit_sm_resp mapping, from
// many goroutines at once. No receipt may be lost.
func TestDLRReceiptRacesPut(t *testing.T) {
	// A table far too small for the traffic rotates all the time: slots
	// that a put or a lookup waits on must survive it.
	for _, cache := range []int{0, 1} {
		t.Run(fmt.Sprintf("cache=%d", cache), func(t *testing.T) { testReceiptRacesPut(t, cache) })
	}
}

func testReceiptRacesPut(t *testing.T, cache int) {
	_, x := openIndex(t, Options{}, TTLs{}, IndexOptions{Hold: 5 * time.Second, DLRCache: cache})
	const workers, each = 8, 200
	var wg sync.WaitGroup
	var lost, wrong atomic.Int64
	for w := 0; w < workers; w++ {
		for i := 0; i < each; i++ {
			id := fmt.Sprintf("%d-%d", w, i)
			gid := "gw-" + id
			wg.Add(2)
			go func() {
				x.PutDLR(DLR{Connector: "c", SMSCID: id, GatewayID: gid}, func(err error) {
					if err != nil {
						t.Error(err)
					}
					wg.Done()
				})
			}()
			go x.LookupDLR("c", id, func(d DLR, err error) {
				switch {
				case err != nil:
					lost.Add(1)
				case d.GatewayID != gid:
					wrong.Add(1)
				}
				wg.Done()
			})
		}
	}
	wg.Wait()
	if lost.Load() != 0 || wrong.Load() != 0 {
		t.Fatalf("%d receipts lost, %d mismatched", lost.Load(), wrong.Load())
	}
	if n := x.tab.held.Load(); n != 0 {
		t.Fatalf("%d lookups still held", n)
	}
	// Every registration is still found, from the table or from Pebble.
	for w := 0; w < workers; w++ {
		for i := 0; i < each; i += 17 {
			id := fmt.Sprintf("%d-%d", w, i)
			if d, err := lookupWait(t, x, "c", id); err != nil || d.GatewayID != "gw-"+id {
				t.Fatalf("%s: %+v %v", id, d, err)
			}
		}
	}
}

func TestDLRExpiryAndSweep(t *testing.T) {
	clk := newIxClock()
	ttl := 100 * time.Second
	db, x := openIndex(t, Options{}, TTLs{DLRExpiry: ttl}, IndexOptions{Hold: -1, Now: clk.Now})
	putDLRSync(t, x, DLR{Connector: "c", SMSCID: "old", GatewayID: "gw-old", Part: 1, Parts: 2})
	clk.Add(60 * time.Second)
	putDLRSync(t, x, DLR{Connector: "c", SMSCID: "new", GatewayID: "gw-new", Part: 1, Parts: 2})

	clk.Add(39 * time.Second) // old is 99 s old
	if _, err := lookupWait(t, x, "c", "old"); err != nil {
		t.Fatalf("old at 99 s: %v", err)
	}
	clk.Add(2 * time.Second) // 101 s
	if _, err := lookupWait(t, x, "c", "old"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("old at 101 s: %v", err)
	}
	if _, err := x.DLRByGateway("gw-old"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("old by gateway at 101 s: %v", err)
	}
	if d, err := lookupWait(t, x, "c", "new"); err != nil || d.GatewayID != "gw-new" {
		t.Fatalf("new at 41 s: %+v %v", d, err)
	}
	if n := countKeys(t, db, ksDLR); n != 2 {
		t.Fatalf("%d forward keys before the sweep, want 2", n)
	}

	// Buckets are 25 s long; old is in bucket B, new in B+2. At 130 s
	// the window starts at B+1: old's bucket goes, new's stays.
	clk.Add(29 * time.Second)
	if err := x.Sweep(clk.Now()); err != nil {
		t.Fatal(err)
	}
	if n := countKeys(t, db, ksDLR); n != 1 {
		t.Fatalf("%d forward keys after the first sweep, want 1", n)
	}
	if n := countKeys(t, db, ksDLRRev); n != 1 {
		t.Fatalf("%d reverse keys after the first sweep, want 1", n)
	}
	clk.Add(200 * time.Second)
	if err := x.Sweep(clk.Now()); err != nil {
		t.Fatal(err)
	}
	for _, ks := range []byte{ksDLR, ksDLRRev} {
		if n := countKeys(t, db, ks); n != 0 {
			t.Fatalf("keyspace %c: %d keys after the last sweep", ks, n)
		}
	}
	// A sweep that has nothing new to drop writes nothing.
	before := db.CommitStats().Writes
	if err := x.Sweep(clk.Now()); err != nil {
		t.Fatal(err)
	}
	if db.CommitStats().Writes != before {
		t.Fatal("idle sweep wrote")
	}
}

func TestIndexBackgroundSweep(t *testing.T) {
	clk := newIxClock()
	db, x := openIndex(t, Options{}, TTLs{DLRExpiry: 8 * time.Second}, IndexOptions{Hold: -1, Now: clk.Now, SweepEvery: 5 * time.Millisecond})
	putDLRSync(t, x, DLR{Connector: "c", SMSCID: "1", GatewayID: "g"})
	clk.Add(time.Minute)
	deadline := time.Now().Add(10 * time.Second)
	for countKeys(t, db, ksDLR) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("background sweep never dropped the expired bucket")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Sustained churn with periodic sweeps: what stays in the keyspaces is
// bounded by the live window, not by what was ever written.
func TestDLRSpaceBoundedUnderChurn(t *testing.T) {
	clk := newIxClock()
	ttl := 100 * time.Second // buckets of 25 s
	db, x := openIndex(t, Options{NoSync: true}, TTLs{DLRExpiry: ttl}, IndexOptions{Hold: -1, Now: clk.Now})
	const seconds, perSecond = 2000, 100 // 200,000 registrations
	var wg sync.WaitGroup
	var failed atomic.Int64
	batch := make([]DLR, perSecond)
	for s := 0; s < seconds; s++ {
		for i := range batch {
			n := s*perSecond + i
			batch[i] = DLR{Connector: "smsc", SMSCID: strconv.FormatInt(int64(n), 16), GatewayID: "gw-" + strconv.Itoa(n),
				Part: 1, Parts: 2, Dest: []byte("dest")}
		}
		wg.Add(1)
		x.PutDLRs(batch, func(err error) {
			if err != nil {
				failed.Add(1)
			}
			wg.Done()
		})
		clk.Add(time.Second)
		if s%10 == 9 {
			wg.Wait()
			if err := x.Sweep(clk.Now()); err != nil {
				t.Fatal(err)
			}
		}
		if s%200 == 199 { // put what was written into sstables too
			if err := db.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d puts failed", failed.Load())
	}
	if err := x.Sweep(clk.Now()); err != nil {
		t.Fatal(err)
	}
	for _, ks := range []byte{ksDLR, ksDLRRev} {
		if err := db.pdb.Compact(t.Context(), []byte{ks}, []byte{ks + 1}, true); err != nil {
			t.Fatal(err)
		}
	}
	// Live window: ttl plus up to one partial bucket behind it.
	limit := int((ttl + 2*25*time.Second) / time.Second * perSecond)
	for _, ks := range []byte{ksDLR, ksDLRRev} {
		n := countKeys(t, db, ks)
		t.Logf("keyspace %c: %d keys of %d written (limit %d)", ks, n, seconds*perSecond, limit)
		if n > limit || n < int(ttl/time.Second)*perSecond {
			t.Fatalf("keyspace %c holds %d keys, want between %d and %d", ks, n, int(ttl/time.Second)*perSecond, limit)
		}
	}
	// The newest registrations are all there.
	for n := seconds*perSecond - 1000; n < seconds*perSecond; n += 97 {
		if d, err := lookupWait(t, x, "smsc", strconv.FormatInt(int64(n), 16)); err != nil || d.GatewayID != "gw-"+strconv.Itoa(n) {
			t.Fatalf("registration %d: %+v %v", n, d, err)
		}
	}
	m := db.pdb.Metrics()
	t.Logf("after compaction: %d sstables, %d bytes, ~%d tombstones; %d flushes", m.Total().TablesCount, m.Total().TablesSize, m.Keys.TombstoneCount, m.Flush.Count)
}

func TestDLRBadInput(t *testing.T) {
	db, x := openIndex(t, Options{}, TTLs{}, IndexOptions{Hold: -1})
	bad := []DLR{
		{SMSCID: "1", GatewayID: "g"},
		{Connector: "c", GatewayID: "g"},
		{Connector: "c", SMSCID: "1"},
		{Connector: "c\x00x", SMSCID: "1", GatewayID: "g"},
		{Connector: "c", SMSCID: "1", GatewayID: "g\x00"},
		{Connector: "c", SMSCID: "1", GatewayID: "g", Part: 3, Parts: 2},
		{Connector: "c", SMSCID: string(make([]byte, 2000)), GatewayID: "g"},
	}
	for _, d := range bad {
		ch := make(chan error, 1)
		x.PutDLR(d, func(err error) { ch <- err })
		if err := <-ch; err == nil {
			t.Fatalf("%+v accepted", d)
		}
	}
	// One bad part spoils the lot: nothing written.
	ch := make(chan error, 1)
	x.PutDLRs([]DLR{{Connector: "c", SMSCID: "1", GatewayID: "g"}, {Connector: "c", GatewayID: "g"}}, func(err error) { ch <- err })
	if err := <-ch; err == nil {
		t.Fatal("PutDLRs with a bad part accepted")
	}
	for _, ks := range []byte{ksDLR, ksDLRRev} {
		if n := countKeys(t, db, ks); n != 0 {
			t.Fatalf("keyspace %c: %d keys written by bad input", ks, n)
		}
	}
	for _, k := range [][2]string{{"", "1"}, {"c", ""}, {"c\x00", "1"}} {
		if _, err := lookupWait(t, x, k[0], k[1]); err == nil || errors.Is(err, ErrNotFound) {
			t.Fatalf("lookup %q: %v, want a clear error", k, err)
		}
	}
	if _, err := x.DLRByGateway(""); err == nil || errors.Is(err, ErrNotFound) {
		t.Fatalf("DLRByGateway(\"\"): %v", err)
	}
	if _, err := deleteDLRSync(t, x, DLR{Connector: "c", SMSCID: "nope", GatewayID: "g"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete unknown: %v", err)
	}
}

func TestDLRSurvivesReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	x, err := NewIndex(db, TTLs{}, IndexOptions{Hold: -1, SweepEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	putDLRSync(t, x, DLR{Connector: "c", SMSCID: "77", GatewayID: "gw", Dest: []byte{1, 2}})
	_ = x.Close()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	x, err = NewIndex(db, TTLs{}, IndexOptions{Hold: -1, SweepEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if d, err := lookupWait(t, x, "c", "77"); err != nil || d.GatewayID != "gw" || !bytes.Equal(d.Dest, []byte{1, 2}) {
		t.Fatalf("after reopen: %+v %v", d, err)
	}
}
