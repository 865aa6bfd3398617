package store

import (
	"container/heap"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Priorities: SMPP priority_flag 0 (lowest) to 3 (highest).
const Priorities = 4

// Queue tuning.
const (
	// DefaultMaxResident is how many messages of one priority a queue keeps
	// in memory; beyond it, appends stay on disk until dispatch catches up.
	DefaultMaxResident = 50_000
	refillBatch        = 8192
)

// Msg is a queued message. Payload is opaque to the store. A Msg returned by
// Take is leased to the caller until Ack, Requeue or a restart.
type Msg struct {
	Seq      uint64
	Priority uint8
	Expires  int64 // unix nanoseconds; 0: never
	Payload  []byte
	// Delays counts the Requeues with a delay since the message was
	// appended or, after a restart, read back (kept in memory only): the
	// caller's back-off.
	Delays uint32

	due int64 // requeued: not before this
	idx int   // position in the delayed heap
}

// NewMsg describes a message to append.
type NewMsg struct {
	Priority uint8
	Expires  time.Time // zero: never
	Payload  []byte
}

// QueueStats counts a queue's messages by state.
type QueueStats struct {
	Ready   [Priorities]int // waiting for dispatch, per priority
	Delayed int             // requeued, not yet due
	Leased  int             // taken, not yet acked
	Paused  bool
	// Held and Bytes are what the queue's caps count: the messages
	// appended and not yet removed (ready, delayed, leased, and those
	// whose write is still on its way to disk) and their payload octets.
	Held  int
	Bytes int64
	// Refused counts the appends refused with ErrQueueFull since open.
	Refused uint64
}

// Total is every message not yet acknowledged.
func (s QueueStats) Total() int {
	n := s.Delayed + s.Leased
	for _, r := range s.Ready {
		n += r
	}
	return n
}

// Errors from queues.
var (
	ErrBadPriority = errors.New("store: priority must be 0 to 3")
	ErrNotLeased   = errors.New("store: message is not leased")
	// ErrQueueFull is what a *QueueFullError unwraps to.
	ErrQueueFull = errors.New("store: queue full")
)

// QueueFullError is an append refused because it would take its queue
// past a cap (Queue.SetCaps); nothing was kept.
type QueueFullError struct {
	Queue string // the queue's name
	// Held and Bytes are what the queue held when it refused.
	Held  int
	Bytes int64
	// MaxMessages and MaxBytes are its caps (0: none).
	MaxMessages int
	MaxBytes    int64
}

func (e *QueueFullError) Error() string {
	return fmt.Sprintf("store: queue %s full: %d messages, %d octets (caps %d messages, %d octets; 0: none)",
		e.Queue, e.Held, e.Bytes, e.MaxMessages, e.MaxBytes)
}

// Unwrap makes errors.Is(err, ErrQueueFull) true.
func (e *QueueFullError) Unwrap() error { return ErrQueueFull }

// Queue is a named durable queue with SMPP priorities, FIFO within a
// priority. Append returns through its callback only once the messages are
// durable; they become visible to Take at that moment. Methods are safe for
// concurrent use; Take may read from disk when the queue has outgrown
// memory, so call it from a dispatcher goroutine, not an event loop.
type Queue struct {
	db   *DB
	id   uint32
	name string

	mu          sync.Mutex
	seq         uint64 // last sequence number given out
	durableSeq  uint64 // highest sequence number known durable
	lanes       [Priorities]lane
	leased      map[uint64]*Msg
	delayed     delayHeap
	paused      bool
	cancelBelow uint64 // messages with a lower seq were cancelled
	maxResident int
	notify      chan struct{}
	onExpire    func(*Msg)

	// What the caps count (QueueStats.Held, Bytes), kept under mu by
	// the operations that already take it: append, take (expiry), Ack,
	// Requeue (a cancelled message), CancelAll.
	held     int
	bytes    int64
	maxMsgs  int   // 0: no cap
	maxBytes int64 // 0: no cap
	refused  uint64
}

// lane is one priority of a queue. The oldest messages are resident in mem;
// once the lane spills, newer ones are only on disk, from diskNext on.
type lane struct {
	mem      []*Msg
	head     int
	spilled  bool
	diskNext uint64 // first seq not loaded from disk (when spilled)
	n        int    // ready messages, resident or not
}

func (l *lane) resident() int { return len(l.mem) - l.head }

func (l *lane) push(m *Msg) {
	if l.head > 0 && l.head == len(l.mem) {
		l.mem, l.head = l.mem[:0], 0
	}
	l.mem = append(l.mem, m)
}

func (l *lane) pop() *Msg {
	m := l.mem[l.head]
	l.mem[l.head] = nil
	l.head++
	if l.head > 1024 && l.head*2 > len(l.mem) {
		n := copy(l.mem, l.mem[l.head:])
		clear(l.mem[n:])
		l.mem, l.head = l.mem[:n], 0
	}
	return m
}

// pushFront puts a message back ahead of the others (a requeue that fell
// due: it is older than everything behind it).
func (l *lane) pushFront(m *Msg) {
	if l.head > 0 {
		l.head--
		l.mem[l.head] = m
		return
	}
	l.mem = append(l.mem, nil)
	copy(l.mem[1:], l.mem)
	l.mem[0] = m
}

type delayHeap []*Msg

func (h delayHeap) Len() int { return len(h) }
func (h delayHeap) Less(i, j int) bool {
	if h[i].due != h[j].due {
		return h[i].due < h[j].due
	}
	return h[i].Seq < h[j].Seq
}
func (h delayHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].idx = i; h[j].idx = j }
func (h *delayHeap) Push(x any)   { m := x.(*Msg); m.idx = len(*h); *h = append(*h, m) }
func (h *delayHeap) Pop() any {
	old := *h
	m := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return m
}

// Name returns the queue's name.
func (q *Queue) Name() string { return q.name }

// Notify returns a channel that receives when messages become ready (after
// an append lands, a resume, or a requeue falls due on Take's check).
func (q *Queue) Notify() <-chan struct{} { return q.notify }

// OnExpire sets the function that receives messages found past their
// validity; they are removed from the store, and the receiver makes them a
// failure event. It runs with no lock held.
func (q *Queue) OnExpire(fn func(*Msg)) {
	q.mu.Lock()
	q.onExpire = fn
	q.mu.Unlock()
}

// SetCaps bounds what the queue holds: past maxMessages messages or
// maxBytes payload octets (0: no bound) an append fails at once with a
// *QueueFullError and nothing is kept. Messages already held stay.
func (q *Queue) SetCaps(maxMessages int, maxBytes int64) {
	q.mu.Lock()
	q.maxMsgs, q.maxBytes = max(maxMessages, 0), max(maxBytes, 0)
	q.mu.Unlock()
}

// full reports, under mu, whether n more messages of size octets would
// take the queue past a cap.
func (q *Queue) full(n int, size int64) bool {
	return (q.maxMsgs > 0 && q.held+n > q.maxMsgs) || (q.maxBytes > 0 && q.bytes+size > q.maxBytes)
}

func (q *Queue) signal() {
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// Append adds msgs atomically (all or none), together with extra's
// mutations in the same batch (a balance charge, a receipt's DLR mapping),
// and calls done once they are durable, with their sequence numbers;
// extra.Done learns the same outcome just before done (also when Append
// refuses msgs). The messages become visible to Take at that moment, in
// append order.
func (q *Queue) Append(msgs []NewMsg, extra Write, done func(seqs []uint64, err error)) {
	q.append(msgs, extra, done, false)
}

// AppendNew is Append for new work a client may be refused (an MT a
// client submits): it fails at once with ErrBusy, nothing kept, when the
// store already has Options.MaxPending writes waiting. Work the gateway
// owes (receipts, MOs, callbacks) uses Append, never refused so.
func (q *Queue) AppendNew(msgs []NewMsg, extra Write, done func(seqs []uint64, err error)) {
	q.append(msgs, extra, done, true)
}

func (q *Queue) append(msgs []NewMsg, extra Write, done func(seqs []uint64, err error), admit bool) {
	if len(msgs) == 0 {
		if extra.Apply == nil {
			extra.refuse(nil)
			done(nil, nil)
			return
		}
		q.db.submit(Write{Apply: extra.Apply, Done: func(err error) { extra.refuse(err); done(nil, err) }}, admit)
		return
	}
	for _, m := range msgs {
		if m.Priority >= Priorities {
			extra.refuse(ErrBadPriority)
			done(nil, ErrBadPriority)
			return
		}
	}
	var size int64
	for _, m := range msgs {
		size += int64(len(m.Payload))
	}
	q.mu.Lock()
	if q.full(len(msgs), size) {
		q.refused++
		err := &QueueFullError{Queue: q.name, Held: q.held, Bytes: q.bytes, MaxMessages: q.maxMsgs, MaxBytes: q.maxBytes}
		q.mu.Unlock()
		extra.refuse(err)
		done(nil, err)
		return
	}
	q.held += len(msgs)
	q.bytes += size
	recs := make([]*Msg, len(msgs))
	keys := make([][]byte, len(msgs))
	vals := make([][]byte, len(msgs))
	seqs := make([]uint64, len(msgs))
	for i, m := range msgs {
		q.seq++
		var exp int64
		if !m.Expires.IsZero() {
			exp = m.Expires.UnixNano()
		}
		keys[i] = q.key(m.Priority, q.seq)
		vals[i] = encodeRecord(exp, m.Payload)
		// The Msg's payload is the record's tail: one copy, not two.
		recs[i] = &Msg{Seq: q.seq, Priority: m.Priority, Expires: exp, Payload: vals[i][9:]}
		seqs[i] = q.seq
	}
	// Submitting under the queue's lock makes commit order sequence order,
	// so completions arrive in FIFO order.
	q.db.submit(Write{
		Apply: func(b *Batch) {
			for i := range keys {
				b.set(keys[i], vals[i])
			}
			if extra.Apply != nil {
				extra.Apply(b)
			}
		},
		Done: func(err error) {
			if err == nil {
				q.landed(recs)
			}
			if err != nil {
				seqs = nil
				q.unheld(recs)
			}
			if extra.Done != nil {
				extra.Done(err)
			}
			done(seqs, err)
		},
	}, admit)
	q.mu.Unlock()
}

// unheld uncounts appended messages whose write failed, unless a
// CancelAll already did.
func (q *Queue) unheld(recs []*Msg) {
	q.mu.Lock()
	for _, m := range recs {
		if m.Seq >= q.cancelBelow {
			q.held--
			q.bytes -= int64(len(m.Payload))
		}
	}
	q.mu.Unlock()
}

// landed makes durable messages visible.
func (q *Queue) landed(recs []*Msg) {
	q.mu.Lock()
	added := false
	if last := recs[len(recs)-1].Seq; last > q.durableSeq {
		q.durableSeq = last
	}
	for _, m := range recs {
		if m.Seq < q.cancelBelow {
			continue // cancelled before it landed; the range delete took it
		}
		l := &q.lanes[m.Priority]
		if l.spilled || l.resident() >= q.maxResident {
			if !l.spilled {
				l.spilled, l.diskNext = true, m.Seq
			}
			l.n++ // on disk only; a refill will read it
			added = true
			continue
		}
		if m.Seq < l.diskNext {
			continue // a refill already read it from disk
		}
		l.push(m)
		l.n++
		added = true
	}
	q.mu.Unlock()
	if added {
		q.signal()
	}
}

// Take leases the next message: the highest priority first, FIFO within
// it, a requeued message once due. It returns nil when nothing is ready or
// the queue is paused. Expired messages met on the way are removed and
// handed to OnExpire.
func (q *Queue) Take() (*Msg, error) {
	var expired []*Msg
	m, err := q.take(&expired)
	if len(expired) > 0 {
		q.expire(expired)
	}
	return m, err
}

func (q *Queue) take(expired *[]*Msg) (*Msg, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.paused {
		return nil, nil
	}
	now := q.db.opts.Now().UnixNano()
	for len(q.delayed) > 0 && q.delayed[0].due <= now {
		m := heap.Pop(&q.delayed).(*Msg)
		m.due = 0
		l := &q.lanes[m.Priority]
		l.pushFront(m)
		l.n++
	}
	for p := int(Priorities - 1); p >= 0; p-- {
		l := &q.lanes[p]
		for l.n > 0 {
			if l.resident() == 0 {
				if !l.spilled {
					return nil, fmt.Errorf("queue %s: priority %d counts %d messages but holds none", q.name, p, l.n)
				}
				if err := q.refill(uint8(p)); err != nil {
					return nil, fmt.Errorf("queue %s: read from disk: %w", q.name, err)
				}
				if l.resident() == 0 {
					// The count ran ahead of the disk (messages cancelled
					// while spilled): trust the disk.
					l.n = 0
					break
				}
			}
			m := l.pop()
			l.n--
			if m.Expires != 0 && m.Expires <= now {
				*expired = append(*expired, m)
				q.held--
				q.bytes -= int64(len(m.Payload))
				continue
			}
			q.leased[m.Seq] = m
			return m, nil
		}
	}
	return nil, nil
}

// expire deletes expired messages and hands them to OnExpire.
func (q *Queue) expire(ms []*Msg) {
	keys := make([][]byte, len(ms))
	for i, m := range ms {
		keys[i] = q.key(m.Priority, m.Seq)
	}
	q.mu.Lock()
	fn := q.onExpire
	q.db.Submit(Write{Apply: func(b *Batch) {
		for _, k := range keys {
			b.singleDelete(k)
		}
	}, Done: func(error) {}})
	q.mu.Unlock()
	if fn != nil {
		for _, m := range ms {
			fn(m)
		}
	}
}

// Ack removes a leased message for good, together with extra's mutations
// in the same batch (a DLR mapping, a state event, a charge). extra.Done
// learns the outcome just before done, which may be nil; both learn
// ErrNotLeased, and nothing is written, when m is not leased.
func (q *Queue) Ack(m *Msg, extra Write, done func(error)) {
	q.mu.Lock()
	if q.leased[m.Seq] != m {
		q.mu.Unlock()
		extra.refuse(ErrNotLeased)
		if done != nil {
			done(ErrNotLeased)
		}
		return
	}
	delete(q.leased, m.Seq)
	q.held--
	q.bytes -= int64(len(m.Payload))
	key := q.key(m.Priority, m.Seq)
	q.db.submitWith(Write{
		Apply: func(b *Batch) {
			// Each queue key is set once and deleted once, so a single
			// delete annihilates with its set in compaction and leaves no
			// tombstone behind.
			b.singleDelete(key)
			if extra.Apply != nil {
				extra.Apply(b)
			}
		},
		Done: func(err error) {
			if err != nil {
				// Not removed: the message stays leased, so the ack
				// (or a requeue) can be retried.
				q.mu.Lock()
				q.leased[m.Seq] = m
				q.held++
				q.bytes += int64(len(m.Payload))
				q.mu.Unlock()
			}
			if extra.Done != nil {
				extra.Done(err)
			}
			if done != nil {
				done(err)
			}
		},
	}, modePark) // an ack waits out a critically low disk rather than fail
	q.mu.Unlock()
}

// Requeue gives a leased message back, ready again after delay (zero: at
// once, ahead of younger messages of its priority). The delay lives in
// memory: after a restart the message is ready at once.
func (q *Queue) Requeue(m *Msg, delay time.Duration) error {
	q.mu.Lock()
	if q.leased[m.Seq] != m {
		q.mu.Unlock()
		return ErrNotLeased
	}
	delete(q.leased, m.Seq)
	if m.Seq < q.cancelBelow {
		q.held--
		q.bytes -= int64(len(m.Payload))
		q.mu.Unlock()
		return nil // cancelled while in flight; its record is gone
	}
	if delay <= 0 {
		l := &q.lanes[m.Priority]
		l.pushFront(m)
		l.n++
		q.mu.Unlock()
		q.signal()
		return nil
	}
	m.due = q.db.opts.Now().Add(delay).UnixNano()
	m.Delays++
	heap.Push(&q.delayed, m)
	q.mu.Unlock()
	return nil
}

// NextDue returns when the earliest requeued message falls due, or the
// zero time when none waits.
func (q *Queue) NextDue() time.Time {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.delayed) == 0 {
		return time.Time{}
	}
	return time.Unix(0, q.delayed[0].due)
}

// Pause stops Take from handing out messages; appends continue.
func (q *Queue) Pause() {
	q.mu.Lock()
	q.paused = true
	q.mu.Unlock()
}

// Resume undoes Pause.
func (q *Queue) Resume() {
	q.mu.Lock()
	q.paused = false
	q.mu.Unlock()
	q.signal()
}

// Stats counts the queue's messages.
func (q *Queue) Stats() QueueStats {
	q.mu.Lock()
	defer q.mu.Unlock()
	var s QueueStats
	for p := range q.lanes {
		s.Ready[p] = q.lanes[p].n
	}
	s.Delayed = len(q.delayed)
	s.Leased = len(q.leased)
	s.Paused = q.paused
	s.Held, s.Bytes, s.Refused = q.held, q.bytes, q.refused
	return s
}

// CancelAll drops every message that is ready or delayed (Junebug's "cancel
// the sending of all queued messages") with one range delete, and those
// appended but not yet durable. Leased messages are in flight and finish as
// they will; a cancelled one that is requeued is dropped. done receives the
// number cancelled.
func (q *Queue) CancelAll(done func(n int, err error)) {
	if err := q.db.c.refusal(); err != nil {
		// Decide before touching memory: a refused cancel changes nothing.
		go done(0, err)
		return
	}
	q.mu.Lock()
	n := len(q.delayed)
	for p := range q.lanes {
		n += q.lanes[p].n
		q.lanes[p] = lane{}
	}
	q.delayed = nil
	q.cancelBelow = q.seq + 1
	// What is left is what is leased (its ack or requeue uncounts it).
	q.held, q.bytes = len(q.leased), 0
	for _, m := range q.leased {
		q.bytes += int64(len(m.Payload))
	}
	start := appendU32([]byte{ksQueue}, q.id)
	end := prefixEnd(start)
	q.db.Submit(Write{
		Apply: func(b *Batch) { b.deleteRange(start, end) },
		Done:  func(err error) { done(n, err) },
	})
	q.mu.Unlock()
}
