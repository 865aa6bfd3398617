package store

// Failure: what the store does when Pebble cannot go on. Pebble reports
// an unrecoverable fault (a WAL write or sync that failed, a MANIFEST it
// could not write, corruption) through its logger's Fatalf, and a failed
// commit through Apply's or SyncWait's error. Either marks the store
// failed, once and for good: the cause is kept (DB.Failed), logged at
// error, and shown as gwd_store_failed 1; from then on every Write is
// refused with an error wrapping ErrFailed — even one whose own fsync
// happened to succeed, since the database no longer says what is durable —
// so nothing is acknowledged after the fault. The process keeps running
// and its front-ends refuse (the SMSC retries, clients get 503); only a
// restart reopens the store (docs/store.md).
//
// Background errors (a flush or compaction that failed and will be
// retried) are counted (gwd_store_background_errors_total) and logged;
// they do not fail the store.

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/VictoriaMetrics/metrics"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// ErrFailed is wrapped by every write refused after the store failed.
var ErrFailed = errors.New("store: failed: the database cannot go on; restart gwd")

var (
	failedStores     atomic.Int64
	_                = metrics.NewGauge(`gwd_store_failed`, func() float64 { return float64(min(failedStores.Load(), 1)) })
	backgroundErrors = metrics.NewCounter(`gwd_store_background_errors_total`)
)

// health is a store's failed state, shared by the DB and the logger Pebble
// is given (which exists before the DB).
type health struct {
	failed atomic.Pointer[error]
}

// fail marks the store failed with cause; the first cause wins.
func (h *health) fail(cause error) {
	err := fmt.Errorf("%w: %w", ErrFailed, cause)
	if h.failed.CompareAndSwap(nil, &err) {
		failedStores.Add(1)
		slog.Error("store failed: every write is refused until gwd is restarted", "err", cause)
	}
}

// err returns the failure, or nil while the store works.
func (h *health) err() error {
	if p := h.failed.Load(); p != nil {
		return *p
	}
	return nil
}

// Failed returns why the store failed (an error wrapping ErrFailed), or
// nil while it works.
func (db *DB) Failed() error { return db.health.err() }

// quietLogger keeps Pebble's routine messages out of gwd's log; its
// Fatalf fails the store instead of exiting.
type quietLogger struct{ h *health }

func (quietLogger) Infof(string, ...any) {}
func (quietLogger) Errorf(format string, args ...any) {
	slog.Error("store: pebble: " + fmt.Sprintf(format, args...))
}
func (l quietLogger) Fatalf(format string, args ...any) {
	cause := fmt.Errorf("pebble: "+format, args...)
	if l.h == nil {
		slog.Error("store: fatal", "err", cause)
		return
	}
	l.h.fail(cause)
}

// backgroundError is Pebble's EventListener.BackgroundError.
func backgroundError(err error) {
	backgroundErrors.Inc()
	slog.Error("store: pebble background error", "err", err)
}

// FaultSwitch injects disk faults, for tests: once tripped, every write
// and sync of the store's write-ahead log fails; FailNextSync fails one
// sync only (Options.Faults).
type FaultSwitch struct{ on, oneSync atomic.Bool }

// FailNextSync makes the WAL's next sync fail, and only that one.
func (s *FaultSwitch) FailNextSync() { s.oneSync.Store(true) }

// Trip makes the WAL's writes and syncs fail from now on.
func (s *FaultSwitch) Trip() { s.on.Store(true) }

// Reset lets them succeed again.
func (s *FaultSwitch) Reset() { s.on.Store(false) }

// fs wraps the default file system with the switch.
func (s *FaultSwitch) fs() vfs.FS {
	return errorfs.Wrap(vfs.Default, errorfs.InjectorFunc(func(op errorfs.Op) error {
		if !strings.HasSuffix(op.Path, ".log") {
			return nil
		}
		switch op.Kind {
		case errorfs.OpFileSync, errorfs.OpFileSyncData, errorfs.OpFileSyncTo:
			if s.oneSync.CompareAndSwap(true, false) {
				return fmt.Errorf("fault switch: one sync of %s: %w", op.Path, errorfs.ErrInjected)
			}
		}
		if !s.on.Load() {
			return nil
		}
		switch op.Kind {
		case errorfs.OpFileWrite, errorfs.OpFileWriteAt, errorfs.OpFileSync, errorfs.OpFileSyncData, errorfs.OpFileSyncTo, errorfs.OpFileFlush:
			return fmt.Errorf("fault switch: op %d %s: %w", op.Kind, op.Path, errorfs.ErrInjected)
		}
		return nil
	}))
}
