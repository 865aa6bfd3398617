package backoff

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gwd-project/gwd/store"
)

// MaxLevels bounds the levels of a Levels (one bit each in a mask).
const MaxLevels = 32

// Delay is the wait of level k: first doubled k times, at most ceiling,
// give or take a fifth at random so that records that failed together do
// not all come back together.
func Delay(first, ceiling time.Duration, k int) time.Duration {
	d := first
	for i := 0; i < k && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	if d < 5 {
		return d
	}
	return d*4/5 + time.Duration(rand.Int64N(int64(d)*2/5+1))
}

// Levels is a set of retry queues by back-off level. One goroutine takes
// from it (TakeDue; it locks only while some retry waits, as a stopped
// pump's goroutine may overlap its successor's); Put and Requeued may be
// called from any.
type Levels struct {
	qs   []*store.Queue
	poke func() // a record landed: look again

	// filled has bit k set when level k may have a head not yet taken.
	filled atomic.Uint32

	mu    sync.Mutex // guards held
	held  []*store.Msg
	nheld atomic.Int32 // heads in held
}

// OpenLevels opens the queues named by name(0) … name(n-1), keeping at
// most resident records of each in memory (store.Queue.SetMaxResident);
// poke, if not nil, is called when a record lands in one.
func OpenLevels(db *store.DB, n int, name func(k int) string, resident int, poke func()) (*Levels, error) {
	if n < 1 || n > MaxLevels {
		return nil, fmt.Errorf("open retry levels: %d levels (1 to %d)", n, MaxLevels)
	}
	l := &Levels{qs: make([]*store.Queue, n), held: make([]*store.Msg, n), poke: poke}
	for k := range l.qs {
		q, err := db.Queue(name(k))
		if err != nil {
			return nil, fmt.Errorf("open retry level %d: %w", k, err)
		}
		q.SetMaxResident(resident)
		l.qs[k] = q
	}
	l.filled.Store(uint32(1<<n - 1))
	return l, nil
}

// Len is how many levels l has.
func (l *Levels) Len() int { return len(l.qs) }

// Queue is level k's queue.
func (l *Levels) Queue(k int) *store.Queue { return l.qs[k] }

// Owns says whether q is one of l's queues.
func (l *Levels) Owns(q *store.Queue) bool {
	for _, x := range l.qs {
		if x == q {
			return true
		}
	}
	return false
}

// Requeued notes that a head taken from q went back to it (its session
// closed): TakeDue looks at q again.
func (l *Levels) Requeued(q *store.Queue) {
	for k, x := range l.qs {
		if x == q {
			l.filled.Or(1 << k)
			return
		}
	}
}

// Put appends rec to level k (clamped to the last), with its header's
// NotBefore; done learns whether it is durable.
func (l *Levels) Put(k int, m store.NewMsg, done func(error)) {
	k = min(max(k, 0), len(l.qs)-1)
	l.qs[k].Append([]store.NewMsg{m}, store.Write{}, func(_ []uint64, err error) {
		if err == nil {
			l.filled.Or(1 << k)
			if l.poke != nil {
				l.poke()
			}
		}
		done(err)
	})
}

// TakeDue leases the first head due at now (its header's NotBefore
// passed) and returns it with its queue; else nil and the earliest
// NotBefore of the heads (0: none waits). Only when some level was
// filled since it last looked does it read a queue, so with nothing to
// retry it costs one atomic load.
func (l *Levels) TakeDue(now int64) (*store.Msg, *store.Queue, int64, error) {
	var next int64
	if l.filled.Load() == 0 && l.nheld.Load() == 0 {
		return nil, nil, 0, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var firstErr error
	for k, q := range l.qs {
		if l.held[k] == nil {
			if l.filled.Load()&(1<<k) == 0 {
				continue
			}
			l.filled.And(^uint32(1 << k))
			m, err := q.Take()
			if err != nil && firstErr == nil {
				firstErr = fmt.Errorf("retry level %d: %w", k, err)
				l.filled.Or(1 << k) // try again next time
			}
			if m == nil {
				continue
			}
			l.held[k] = m
			l.nheld.Add(1)
		}
		m := l.held[k]
		if h, _ := Split(m.Payload); h.NotBefore > now {
			if next == 0 || h.NotBefore < next {
				next = h.NotBefore
			}
			continue
		}
		l.held[k] = nil
		l.nheld.Add(-1)
		l.filled.Or(1 << k) // its successor, on the next call
		return m, q, 0, firstErr
	}
	return nil, nil, next, firstErr
}

// Stats sums the levels' queue stats.
func (l *Levels) Stats() store.QueueStats {
	var s store.QueueStats
	for _, q := range l.qs {
		st := q.Stats()
		for p := range s.Ready {
			s.Ready[p] += st.Ready[p]
		}
		s.Delayed += st.Delayed
		s.Leased += st.Leased
		s.Held += st.Held
		s.Bytes += st.Bytes
	}
	return s
}

// Resident is how many records the levels keep in memory.
func (l *Levels) Resident() int {
	n := 0
	for _, q := range l.qs {
		n += q.Resident()
	}
	return n
}
