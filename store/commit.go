package store

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/cockroachdb/pebble/v2"
)

// Write is one unit handed to the group committer: Apply adds its
// mutations to the shared batch (all or nothing: it must not fail; nil:
// none), Done learns the outcome once the batch is durable (nil: nobody
// asks). Done runs on the committer's goroutine and must not block. The
// store's operations make Writes (PutDLRWrite, AddEventWrite, a
// Reservation's Apply …); callers combine them (Merge, Queue.Append's and
// Queue.Ack's extra) without seeing what they write.
type Write struct {
	Apply func(b *Batch)
	Done  func(err error)
}

func ignoreDone(error) {}

// refuse tells w's Done (if any) that w will not be committed: err, or
// nil for a Write with nothing to apply.
func (w Write) refuse(err error) {
	if w.Done != nil {
		w.Done(err)
	}
}

// Merge returns one Write doing the work of ws in one batch: its Apply
// runs each Apply in order, its Done each Done (in order, with the same
// outcome). A nil Apply or Done is skipped. Folding the writes that one
// event causes (an ack, a DLR mapping, a message event) into one Write
// makes them atomic and saves the committer a Write each. Merging none
// is the empty Write, merging one is that Write.
func Merge(ws ...Write) Write {
	switch len(ws) {
	case 0:
		return Write{}
	case 1:
		return ws[0]
	}
	return Write{
		Apply: func(b *Batch) {
			for _, w := range ws {
				if w.Apply != nil {
					w.Apply(b)
				}
			}
		},
		Done: func(err error) {
			for _, w := range ws {
				if w.Done != nil {
					w.Done(err)
				}
			}
		},
	}
}

// CommitStats counts the committer's work.
type CommitStats struct {
	Commits     int64         // batches committed
	Writes      int64         // Writes folded into them
	LastLatency time.Duration // apply to durable, last batch
	MaxBatch    int64         // most Writes in one batch so far
}

type committer struct {
	db *DB

	mu      sync.Mutex
	pending []Write
	spare   []Write
	firstAt time.Time // when pending's first Write arrived (CommitInterval > 0 only)
	closed  bool
	kick    chan struct{}

	syncq   chan syncItem
	stopped chan struct{}

	// diskFull: free space is under MinFreeBytes, and new work (admitted
	// writes: Queue.AppendNew) is refused; diskCritical: under a quarter
	// of it, and every write is refused. Between the two, acks, receipts
	// and MO still go, so queued traffic drains (and frees space) while
	// no new message is taken.
	diskFull, diskCritical atomic.Bool
	parked                 []Write // acks waiting out a critical disk (mu)
	wb                     Batch   // the batch being built (commit's goroutine only)

	commits, writes, lastLatency, maxBatch atomic.Int64
}

type syncItem struct {
	b      *pebble.Batch
	writes []Write
	start  time.Time
}

func newCommitter(db *DB) *committer {
	c := &committer{db: db, kick: make(chan struct{}, 1), syncq: make(chan syncItem, 1), stopped: make(chan struct{})}
	c.checkDisk()
	go c.run()
	return c
}

// Submit hands w to the committer; w.Done will be called exactly once,
// never from inside Submit (callers may hold locks that Done takes). A
// refused write (store closed, disk full) completes on a goroutine of its
// own: a rare path.
func (db *DB) Submit(w Write) { db.submit(w, false) }

// submitMode says how submit treats a write while the disk is low.
type submitMode uint8

const (
	modePlain submitMode = iota // refused under a quarter of the floor
	modeAdmit                   // new work: refused under the floor, and past MaxPending
	modePark                    // an ack: waits out a critical disk (see parkLocked)
)

// submit is Submit; admit (new work: Queue.AppendNew) also refuses w with
// ErrBusy when Options.MaxPending writes already wait for the committer,
// so that a store slower than its clients refuses them instead of
// growing the pending list without bound.
func (db *DB) submit(w Write, admit bool) {
	mode := modePlain
	if admit {
		mode = modeAdmit
	}
	db.submitWith(w, mode)
}

// maxParked bounds the acks that wait out a critical disk; beyond it they
// are refused (the message stays leased, as before).
const maxParked = 1 << 16

func (db *DB) submitWith(w Write, mode submitMode) {
	if w.Done == nil {
		w.Done = ignoreDone
	}
	c := db.c
	if err := db.health.err(); err != nil {
		go w.Done(err)
		return
	}
	admit := mode == modeAdmit
	if admit && c.diskFull.Load() {
		go w.Done(ErrDiskFull)
		return
	}
	if c.diskCritical.Load() {
		if mode != modePark || !c.park(w) {
			go w.Done(ErrDiskFull)
		}
		return
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		go w.Done(ErrClosed)
		return
	}
	if admit && len(c.pending) >= c.db.opts.MaxPending {
		c.mu.Unlock()
		go w.Done(ErrBusy)
		return
	}
	c.pending = append(c.pending, w)
	first := len(c.pending) == 1
	if first && c.db.opts.CommitInterval > 0 {
		c.firstAt = time.Now()
	}
	c.mu.Unlock()
	if first {
		select {
		case c.kick <- struct{}{}:
		default:
		}
	}
}

// park keeps an ack that came while the disk is critically low until
// space returns (checkDisk hands it to the committer then), so a message
// delivered meanwhile is not left leased with its DLR mapping unwritten
// until a restart. False when maxParked acks already wait or the store is
// closing: the caller refuses it.
func (c *committer) park(w Write) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || len(c.parked) >= maxParked {
		return false
	}
	c.parked = append(c.parked, w)
	parkedWrites.Set(float64(len(c.parked)))
	return true
}

// unpark hands the parked acks to the committer once the disk is no
// longer critical, or fails them with err (the store failed or closed).
func (c *committer) unpark(err error) {
	c.mu.Lock()
	ws := c.parked
	c.parked = nil
	if err == nil && c.closed {
		err = ErrClosed
	}
	if err == nil {
		c.pending = append(c.pending, ws...)
		ws = nil
	}
	parkedWrites.Set(0)
	c.mu.Unlock()
	for _, w := range ws {
		go w.Done(err)
	}
}

// parkedWrites is how many acks wait out a critically low disk.
var parkedWrites = metrics.GetOrCreateGauge(`gwd_store_parked_writes`, nil)

// Refusing reports why the store refuses writes now (it failed, or its
// disk is critically low), or nil: a receipt whose DLR mapping is not
// found while it refuses may be one whose mapping waits to be written.
func (db *DB) Refusing() error {
	if err := db.health.err(); err != nil {
		return err
	}
	if db.c.diskCritical.Load() {
		return ErrDiskFull
	}
	return nil
}

// refusal returns the error Submit would refuse a write with now, if any.
func (c *committer) refusal() error {
	if err := c.db.health.err(); err != nil {
		return err
	}
	if c.diskCritical.Load() {
		return ErrDiskFull
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	return nil
}

// Do submits apply and waits until it is durable: for callers that may
// block (configuration changes, tests), never for event loops.
func (db *DB) Do(apply func(b *Batch)) error {
	ch := make(chan error, 1)
	db.Submit(Write{Apply: apply, Done: func(err error) { ch <- err }})
	return <-ch
}

// CommitStats returns the committer's counters.
func (db *DB) CommitStats() CommitStats {
	c := db.c
	return CommitStats{
		Commits: c.commits.Load(), Writes: c.writes.Load(),
		LastLatency: time.Duration(c.lastLatency.Load()), MaxBatch: c.maxBatch.Load(),
	}
}

func (c *committer) run() {
	done := make(chan struct{})
	go c.syncer(done)
	diskTick := time.NewTicker(time.Second)
	defer diskTick.Stop()
	for {
		c.mu.Lock()
		if iv := c.db.opts.CommitInterval; iv > 0 && len(c.pending) > 0 && len(c.pending) < c.db.opts.MaxBatch && !c.closed {
			// Wait for more writers, the first one's interval at most.
			if d := iv - time.Since(c.firstAt); d > 0 {
				c.mu.Unlock()
				time.Sleep(d)
				c.mu.Lock()
			}
		}
		batch := c.pending
		var rest []Write
		if len(batch) > c.db.opts.MaxBatch {
			batch, rest = batch[:c.db.opts.MaxBatch], batch[c.db.opts.MaxBatch:]
		}
		// The two slices trade places: batch goes to Pebble and comes
		// back as spare once its callbacks have run.
		next := c.spare
		c.spare = nil
		c.pending = append(next[:0], rest...)
		clear(rest)
		closed := c.closed
		c.mu.Unlock()
		if len(batch) > 0 {
			// Busy or idle, the disk is measured once a second.
			select {
			case <-diskTick.C:
				c.checkDisk()
			default:
			}
			c.commit(batch)
			continue
		}
		if closed {
			c.unpark(ErrClosed)
			close(c.syncq)
			<-done
			close(c.stopped)
			return
		}
		select {
		case <-c.kick:
		case <-diskTick.C:
			c.checkDisk()
		}
	}
}

// commit folds batch into one Pebble batch. With fsync on it applies
// without waiting and lets the syncer wait, so the next batch is built
// while this one syncs.
func (c *committer) commit(ws []Write) {
	if h := c.db.opts.BeforeCommit; h != nil {
		h()
	}
	start := time.Now()
	b := c.db.pdb.NewBatch()
	if err := c.db.health.err(); err != nil {
		// Failed while these waited: nothing more goes to Pebble.
		c.finish(syncItem{b: b, writes: ws, start: start}, err)
		return
	}
	// One Batch wrapper, reused: commit runs on the committer's goroutine
	// only, and the wrapper is needed only while the Applies run.
	c.wb.pb = b
	for _, w := range ws {
		if w.Apply != nil {
			w.Apply(&c.wb)
		}
	}
	c.wb.pb = nil
	n := int64(len(ws))
	c.writes.Add(n)
	c.commits.Add(1)
	if n > c.maxBatch.Load() {
		c.maxBatch.Store(n)
	}
	if c.db.opts.NoSync {
		err := c.db.pdb.Apply(b, pebble.NoSync)
		c.finish(syncItem{b: b, writes: ws, start: start}, err)
		return
	}
	if err := c.db.pdb.ApplyNoSyncWait(b, pebble.Sync); err != nil {
		c.finish(syncItem{b: b, writes: ws, start: start}, err)
		return
	}
	c.syncq <- syncItem{b: b, writes: ws, start: start}
}

func (c *committer) syncer(done chan struct{}) {
	defer close(done)
	for it := range c.syncq {
		c.finish(it, it.b.SyncWait())
	}
}

// finish runs the Done callbacks of a batch with its outcome. A failed
// apply or sync fails the store (failure.go); once failed, a batch is
// refused even when its own sync succeeded, so that nothing applied after
// a failed batch — and with it the failed batch's records, which Pebble
// already shows to readers — is ever reported durable: Queue.landed never
// runs for them, and the queues' disk reads stop below their durable
// sequence numbers.
func (c *committer) finish(it syncItem, err error) {
	if err != nil && !errors.Is(err, ErrFailed) {
		c.db.health.fail(fmt.Errorf("commit: %w", err))
	}
	if ferr := c.db.health.err(); ferr != nil {
		err = ferr
	}
	c.lastLatency.Store(int64(time.Since(it.start)))
	for i := 0; i < len(it.writes); {
		i = runDone(it.writes, i, err)
	}
	_ = it.b.Close()
	c.mu.Lock()
	if c.spare == nil {
		c.spare = it.writes[:0]
	}
	c.mu.Unlock()
}

// checkDisk refuses new work while free space is under MinFreeBytes, and
// every write under a quarter of it. A failed measure leaves the state as
// it was.
//
// With NoSync it also syncs the WAL once: Pebble acknowledges NoSync
// batches before its WAL writer writes them, so a WAL that stopped
// writing is learnt here, within a second, and fails the store.
func (c *committer) checkDisk() {
	if c.db.opts.NoSync && c.db.health.err() == nil {
		if err := c.db.pdb.LogData([]byte("gwd: WAL check"), pebble.Sync); err != nil {
			c.db.health.fail(fmt.Errorf("WAL sync: %w", err))
		}
	}
	free, err := c.db.opts.FreeSpace(c.db.dir)
	if err != nil {
		return
	}
	c.diskFull.Store(free < c.db.opts.MinFreeBytes)
	critical := free < c.db.opts.MinFreeBytes/4
	c.diskCritical.Store(critical)
	if err := c.db.health.err(); err != nil {
		c.unpark(err)
	} else if !critical {
		c.unpark(nil)
	}
}

// statfsFree is the default Options.FreeSpace.
func statfsFree(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("statfs %s: %w", dir, err)
	}
	return st.Bavail * uint64(st.Bsize), nil
}

func (c *committer) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	select {
	case c.kick <- struct{}{}:
	default:
	}
	<-c.stopped
}

// donePanics counts the Done callbacks that panicked (they run the
// callers' code: answers to ESMEs, hand-offs between stages).
var donePanics = metrics.GetOrCreateCounter(`gwd_panics_total{where="store"}`)

// runDone runs the Done callbacks of ws from i on, clearing each, and
// returns where it stopped: len(ws), or just past a callback that
// panicked (logged with its stack and counted), so that the committer and
// the other writers' callbacks go on. One deferred recover per batch.
func runDone(ws []Write, i int, err error) (next int) {
	defer func() {
		if v := recover(); v != nil {
			donePanics.Inc()
			slog.Error("panic recovered in a store write's Done callback", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			ws[i] = Write{}
			next = i + 1
		}
	}()
	for ; i < len(ws); i++ {
		done := ws[i].Done
		ws[i] = Write{}
		done(err)
	}
	return i
}
