package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// Options tune the store. Zero values mean the defaults.
type Options struct {
	// NoSync commits without fsync: faster, and a crash — of the machine,
	// or even of the process, since Pebble acknowledges before its WAL
	// writer has written to the kernel — may lose the last writes.
	// Default: fsync on.
	NoSync bool
	// MaxBatch caps the Writes folded into one commit. Default 4096.
	MaxBatch int
	// CommitInterval is how long a commit waits for more writers after
	// the first Write it will carry arrived ([store] commit_interval_us).
	// 0 (default): it commits as soon as the previous commit's apply is
	// done, and writers that arrive meanwhile share the next commit.
	CommitInterval time.Duration
	// MinFreeBytes: below this much free disk space new writes fail with
	// ErrDiskFull instead of running Pebble out of space. Default 64 MiB.
	MinFreeBytes uint64
	// FreeSpace returns the free space, in octets, of the disk holding
	// dir; the committer compares it with MinFreeBytes once a second.
	// Tests fake a full disk with it. Default: statfs(2)'s blocks
	// available to an unprivileged user.
	FreeSpace func(dir string) (uint64, error)
	// MemTableSize is Pebble's memtable size. Default 64 MiB.
	MemTableSize uint64
	// Now returns the time; tests set it. Default time.Now.
	Now func() time.Time
	// BeforeCommit, when set, runs on the committer's goroutine before
	// each commit: a test that blocks in it makes the store slow, as a
	// stalled fsync would. Default: none.
	BeforeCommit func()
	// Faults, when set, injects disk faults into the write-ahead log
	// (tests: FaultSwitch.Trip). Default: none.
	Faults *FaultSwitch
	// MaxPending bounds the Writes waiting for the committer (handed over
	// and not yet taken into a commit) that new work may join: past it,
	// Queue.AppendNew refuses at once with ErrBusy ([store]
	// max_pending_writes). Other writes (acks, receipts, configuration)
	// are never refused by it. Default 100000.
	MaxPending int
}

func (o Options) withDefaults() Options {
	if o.MaxBatch <= 0 {
		o.MaxBatch = 4096
	}
	if o.MaxPending <= 0 {
		o.MaxPending = 100_000
	}
	if o.MinFreeBytes == 0 {
		o.MinFreeBytes = 64 << 20
	}
	if o.MemTableSize == 0 {
		o.MemTableSize = 64 << 20
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.FreeSpace == nil {
		o.FreeSpace = statfsFree
	}
	return o
}

// Errors.
var (
	ErrClosed   = errors.New("store: store closed")
	ErrDiskFull = errors.New("store: disk almost full: write refused")
	ErrBusy     = errors.New("store: too many writes pending: new work refused")
	ErrForeign  = errors.New("store: directory is not a gwd store")
	ErrLocked   = errors.New("store: store is in use by another process")
)

// DB is an open store.
type DB struct {
	dir  string
	opts Options
	pdb  *pebble.DB
	c    *committer
	qs   queues
	x    dbExt // configuration and counter state (config.go, counters.go)

	health *health // failed state (failure.go)

	closeOnce sync.Once
	closeErr  error
}

// pebbleFiles are the names Pebble puts in its directory.
func isPebbleFile(name string) bool {
	for _, p := range []string{"MANIFEST-", "OPTIONS-", "marker.", "LOCK", "CURRENT"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return strings.HasSuffix(name, ".log") || strings.HasSuffix(name, ".sst") || strings.HasSuffix(name, ".blob") ||
		strings.HasSuffix(name, ".dbtmp") // left by a kill in the middle of a Pebble write
}

// Open opens the store in dir, creating it when dir is missing or empty. A
// directory holding anything else, or a Pebble database that is not gwd's,
// is refused with ErrForeign; a store another process has open is refused
// with ErrLocked.
func Open(dir string, opts Options) (*DB, error) {
	opts = opts.withDefaults()
	fresh := true
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	default:
		for _, e := range entries {
			if !isPebbleFile(e.Name()) {
				return nil, fmt.Errorf("open store %s: %w (found %q)", dir, ErrForeign, e.Name())
			}
			fresh = false
		}
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	h := &health{}
	po := &pebble.Options{
		MemTableSize:  opts.MemTableSize,
		Logger:        quietLogger{h: h},
		EventListener: &pebble.EventListener{BackgroundError: backgroundError},
	}
	if opts.Faults != nil {
		po.FS = opts.Faults.fs()
	}
	po.EnsureDefaults()
	pdb, err := pebble.Open(dir, po)
	if err != nil {
		if strings.Contains(err.Error(), "lock") {
			return nil, fmt.Errorf("open store %s: %w: %v", dir, ErrLocked, err)
		}
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	v, closer, err := pdb.Get(formatKey)
	switch {
	case err == nil:
		ok := string(v) == formatValue
		got := string(v)
		closer.Close()
		if !ok {
			pdb.Close()
			return nil, fmt.Errorf("open store %s: %w (format %q, want %q)", dir, ErrForeign, got, formatValue)
		}
	case errors.Is(err, pebble.ErrNotFound) && (fresh || isEmpty(pdb)):
		// Fresh, or killed between Pebble's creation and the marker: a
		// store with no key at all is ours to adopt.
		if err := pdb.Set(formatKey, []byte(formatValue), pebble.Sync); err != nil {
			pdb.Close()
			return nil, fmt.Errorf("open store %s: write format marker: %w", dir, err)
		}
	case errors.Is(err, pebble.ErrNotFound):
		pdb.Close()
		return nil, fmt.Errorf("open store %s: %w (a Pebble database without gwd's format marker)", dir, ErrForeign)
	default:
		pdb.Close()
		return nil, fmt.Errorf("open store %s: read format marker: %w", dir, err)
	}
	db := &DB{dir: dir, opts: opts, pdb: pdb, health: h}
	if err := db.loadCounters(); err != nil {
		pdb.Close()
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	db.c = newCommitter(db)
	return db, nil
}

// isEmpty reports whether the database holds no key.
func isEmpty(pdb *pebble.DB) bool {
	it, err := pdb.NewIter(nil)
	if err != nil {
		return false
	}
	defer it.Close()
	return !it.First()
}

// Dir returns the store's directory.
func (db *DB) Dir() string { return db.dir }

// Close finishes the writes already handed over, then closes the database.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.c.close()
		db.closeErr = db.pdb.Close()
	})
	return db.closeErr
}

// Flush writes the memtable out; tests use it to reach the disk format.
// A failed store refuses: Pebble would rotate a WAL that failed.
func (db *DB) Flush() error {
	if err := db.Failed(); err != nil {
		return err
	}
	return db.pdb.Flush()
}

// Size returns the bytes the store occupies on disk.
func (db *DB) Size() (int64, error) {
	var n int64
	err := filepath.WalkDir(db.dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			n += info.Size()
		}
		return nil
	})
	return n, err
}

// DLRIndexBytes estimates the bytes the DLR index's forward keyspace
// occupies on disk (the memtable's share is not counted until flushed).
func (db *DB) DLRIndexBytes() (uint64, error) {
	return db.pdb.EstimateDiskUsage([]byte{ksDLR}, []byte{ksDLR + 1})
}
