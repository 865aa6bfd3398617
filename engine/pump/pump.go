// Package pump sends what waits in a durable queue over SMPP sessions:
// pick a session that may send with window room, take the next message
// from its store.Queue, have it decoded and sent, and when the answer comes
// back ack it (with whatever must be written in the same batch) or give it
// back to the queue. Everything gwd sends from a queue goes through a
// pump: a connector's submit_sm to its SMSC (engine/smppc) and the
// deliver_sm waiting in an ESME's outbox (engine/smpps).
//
// A Pump runs one goroutine (Run) per queue; a message in flight is a
// Flight, pooled, that keeps its decoded fields until the answer (or its
// absence) has been dealt with, so nothing is decoded twice. The lane —
// the connector or the outbox — says how to pick, decode and judge; the
// pump owns the loop, the waiting, the window and the throttle hooks.
package pump

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gwd-project/gwd/engine/session"
	"github.com/gwd-project/gwd/engine/wake"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/store"
)

// idle is how long the pump sleeps when it has no session or no message
// and nothing tells it when to look again (a signal or the queue's
// notification ends the wait earlier).
const idle = time.Second

// Lane is what a pump sends for. Prepare runs on the pump's goroutine;
// Answered and Unanswered on the session's event loop. Each of them
// settles the message through the Flight (Ack or Requeue), except where
// it says otherwise; the pump releases the Flight when they return, so
// they must not keep it.
type Lane[T any] interface {
	// Pick returns a session that may send now and has window room, or
	// nil.
	Pick() *session.Session
	// Prepare decodes f.Msg into f.V and fills p, the PDU to send. false
	// means the lane has settled the message itself (a record that does
	// not decode, a message withdrawn meanwhile): nothing is sent.
	Prepare(f *Flight[T], p *smpp.PDU) bool
	// Answered handles the response (or generic_nack) to f's PDU.
	Answered(f *Flight[T], resp *smpp.PDU)
	// Unanswered handles f's PDU that will get no response: reason is
	// session.ErrResponseTimeout, or why the session closed.
	Unanswered(f *Flight[T], reason error)
}

// Throttle is what a lane that paces its sends implements besides Lane.
// Its methods run on the pump's goroutine.
type Throttle interface {
	// Paused is how long sending waits before anything else (a pause
	// after the far end said it is throttled); 0 to go on.
	Paused(now time.Time) time.Duration
	// Take takes one send's worth of throughput once a session is
	// picked; a positive duration is how long to wait for it.
	Take(now time.Time) time.Duration
	// Refund gives back a Take that sent nothing.
	Refund()
}

// Source is what a lane implements besides Lane when its messages come
// from more queues than the pump's: retries kept on disk by due time
// (engine/backoff). The pump asks it first; TakeDue returns a message due
// at now (unix nanoseconds) with the queue it was leased from, or nil and
// when the next one falls due (0: none waits). It runs on the pump's
// goroutine. Requeued learns that a message leased from from went back
// to it (Flight.Requeue), from any goroutine.
type Source interface {
	TakeDue(now int64) (m *store.Msg, from *store.Queue, next int64, err error)
	Requeued(from *store.Queue)
}

// Flight is one message in flight: leased from the queue, decoded, sent,
// waiting for its answer.
type Flight[T any] struct {
	// Msg is the leased queue message; its Payload stays valid until the
	// message is acked or requeued.
	Msg *store.Msg
	// V holds the lane's decoded fields (they may alias Msg.Payload).
	V T
	// Sess is the session the message is sent on (set before Prepare):
	// the lane judges the answer per session (a throttled bind).
	Sess *session.Session
	p    *Pump[T]
	q    *store.Queue // where Msg was leased from
	// out is the PDU sent (here rather than on the stack: it goes
	// through the Lane interface, and would escape). Only the pump's
	// goroutine touches it, before Send: the session may still be
	// encoding it when the answer (or a close) releases the Flight.
	out smpp.PDU
}

// Ack removes the message from the queue for good, with w in the same
// batch (zero: nothing else).
func (f *Flight[T]) Ack(w store.Write) { f.q.Ack(f.Msg, w, nil) }

// AckThen is Ack with done told the outcome.
func (f *Flight[T]) AckThen(w store.Write, done func(error)) { f.q.Ack(f.Msg, w, done) }

// Queue is the queue the message was leased from: the pump's, or one of
// its Source's.
func (f *Flight[T]) Queue() *store.Queue { return f.q }

// Requeue gives the message back to the queue, ready again after delay
// (zero: at once, at the head of its priority).
func (f *Flight[T]) Requeue(delay time.Duration) {
	if err := f.q.Requeue(f.Msg, delay); err != nil {
		f.p.log.Error("requeue failed", "queue", f.q.Name(), "seq", f.Msg.Seq, "err", err)
	}
	if f.p.src != nil && f.q != f.p.q {
		f.p.src.Requeued(f.q)
	}
}

// Pump sends a queue's messages for one lane.
type Pump[T any] struct {
	q     *store.Queue
	lane  Lane[T]
	thr   Throttle // nil: unpaced
	src   Source   // nil: the queue alone
	log   *slog.Logger
	sent  *atomic.Uint64
	wake  chan struct{}
	pool  sync.Pool // *Flight[T]
	empty T
}

// New makes a pump sending from q for lane (a Throttle too, if it
// implements one; a Source too, if it implements one). sent, when not nil, counts the PDUs handed to a
// session.
func New[T any](q *store.Queue, lane Lane[T], sent *atomic.Uint64, log *slog.Logger) *Pump[T] {
	if log == nil {
		log = slog.Default()
	}
	p := &Pump[T]{q: q, lane: lane, log: log, sent: sent, wake: make(chan struct{}, 1)}
	p.thr, _ = lane.(Throttle)
	p.src, _ = lane.(Source)
	p.pool.New = func() any { return &Flight[T]{p: p} }
	return p
}

// Queue is the pump's queue.
func (p *Pump[T]) Queue() *store.Queue { return p.q }

// Signal wakes the pump: a session came up, the window has room, the
// configuration changed. It never blocks.
func (p *Pump[T]) Signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Run sends until stop is closed: one goroutine per pump.
func (p *Pump[T]) Run(stop <-chan struct{}) {
	w := wake.New()
	defer w.Stop()
	wait := func(d time.Duration) bool { return w.Wait(d, stop, p.wake, p.q.Notify()) }
	for {
		select {
		case <-stop:
			return
		default:
		}
		if d, ok := p.step(); ok && !wait(d) {
			return
		}
	}
}

// step sends at most one message, or says how long to wait first (wake
// bounds the wait: 0 or less waits wake.MaxWait).
func (p *Pump[T]) step() (d time.Duration, wait bool) {
	var now time.Time
	if p.thr != nil {
		now = time.Now()
		if d := p.thr.Paused(now); d > 0 {
			return d, true
		}
	}
	s := p.lane.Pick()
	if s == nil {
		return idle, true
	}
	if p.thr != nil {
		if d := p.thr.Take(now); d > 0 {
			return d, true
		}
	}
	q, m, next, err := p.take()
	if m == nil {
		if p.thr != nil {
			p.thr.Refund()
		}
		if err != nil {
			p.log.Error("queue read failed", "queue", p.q.Name(), "err", err)
			return idle, true
		}
		if due := p.q.NextDue(); !due.IsZero() && (next == 0 || due.UnixNano() < next) {
			next = due.UnixNano()
		}
		if next != 0 {
			return time.Until(time.Unix(0, next)), true
		}
		return idle, true
	}
	p.send(s, q, m)
	return 0, false
}

// take leases the next message: a due one of the Source first, then the
// queue's. Without one it returns when the Source's next falls due.
func (p *Pump[T]) take() (*store.Queue, *store.Msg, int64, error) {
	var next int64
	if p.src != nil {
		m, from, n, err := p.src.TakeDue(time.Now().UnixNano())
		if err != nil {
			p.log.Error("retry queue read failed", "queue", p.q.Name(), "err", err)
		}
		if m != nil {
			return from, m, 0, nil
		}
		next = n
	}
	m, err := p.q.Take()
	return p.q, m, next, err
}

func (p *Pump[T]) send(s *session.Session, q *store.Queue, m *store.Msg) {
	f := p.pool.Get().(*Flight[T])
	f.Msg, f.Sess, f.q = m, s, q
	f.out = smpp.PDU{}
	if !p.lane.Prepare(f, &f.out) {
		p.release(f)
		return
	}
	if _, err := s.Send(&f.out, f); err != nil {
		// Not sent (the window filled meanwhile, or the session went
		// away): back to the head of its priority.
		f.Requeue(0)
		p.release(f)
		return
	}
	if p.sent != nil {
		p.sent.Add(1)
	}
}

func (p *Pump[T]) release(f *Flight[T]) {
	f.Msg, f.Sess, f.q = nil, nil, nil
	f.V = p.empty
	p.pool.Put(f)
}

// Response hands a response to the pump that sent the request: a session
// App calls it with the ctx its Response got. It reports whether ctx was
// one of this pump's flights.
func (p *Pump[T]) Response(resp *smpp.PDU, ctx any) bool {
	f, ok := ctx.(*Flight[T])
	if !ok || f.p != p {
		return false
	}
	p.lane.Answered(f, resp)
	p.release(f)
	// After the lane settled f: a requeue with a delay is then in the
	// queue's NextDue when the pump looks, not slept over for idle.
	p.Signal()
	return true
}

// NoResponse is Response for a request that will get none.
func (p *Pump[T]) NoResponse(ctx any, reason error) bool {
	f, ok := ctx.(*Flight[T])
	if !ok || f.p != p {
		return false
	}
	p.lane.Unanswered(f, reason)
	p.release(f)
	p.Signal() // after, as in Response
	return true
}
