package store

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// The DLR readers: a receipt whose mapping is not in the DLR table (older
// than the table's generations, or after a restart) is read from Pebble
// by a small pool of goroutines, never on the caller's goroutine, which is
// a connector's event loop. The queue in front of them is bounded: when
// it is full the lookup answers ErrReadersBusy at once, and the caller
// refuses the receipt (the SMSC sends it again).

// Defaults for the DLR readers.
const (
	DefaultDLRReaders   = 2
	DefaultDLRReadQueue = 4096
)

// ErrReadersBusy: the DLR readers' queue is full; the lookup was not
// made. The caller answers so that the receipt comes again (ESME_RSYSERR).
var ErrReadersBusy = errors.New("store: DLR readers busy: lookup refused")

// dlrRead is one lookup that missed the table.
type dlrRead struct {
	connector, smscID string
	now               time.Time
	cb                func(DLR, error)
}

type dlrReaders struct {
	q chan dlrRead
	// senders counts LookupDLRs between their closed check and their
	// send: Close closes q only once none is left.
	senders atomic.Int64
	wg      sync.WaitGroup
	// before, when set, runs before each read (IndexOptions.BeforeRead).
	before func()
}

func (p *dlrReaders) start(x *Index, workers, queue int, before func()) {
	p.q = make(chan dlrRead, queue)
	p.before = before
	p.wg.Add(workers)
	for range workers {
		go p.work(x)
	}
}

// submit hands r to the readers; false when their queue is full. After
// Close it answers ErrClosed itself.
func (p *dlrReaders) submit(x *Index, r dlrRead) bool {
	p.senders.Add(1)
	defer p.senders.Add(-1)
	if x.closed.Load() {
		r.cb(DLR{}, ErrClosed)
		return true
	}
	select {
	case p.q <- r:
		return true
	default:
		return false
	}
}

// stop closes the queue once no LookupDLR can still send to it, and waits
// for the readers to answer what it holds. x.closed is already set.
func (p *dlrReaders) stop() {
	for p.senders.Load() > 0 {
		runtime.Gosched()
	}
	close(p.q)
	p.wg.Wait()
}

func (p *dlrReaders) work(x *Index) {
	defer p.wg.Done()
	for r := range p.q {
		if x.closed.Load() {
			r.cb(DLR{}, ErrClosed)
			continue
		}
		if p.before != nil {
			p.before()
		}
		x.lookupStored(r.connector, r.smscID, r.now, r.cb)
	}
}
