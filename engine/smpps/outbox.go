package smpps

import (
	"errors"
	"sync"
	"time"

	"github.com/gwd-project/gwd/engine/backoff"
	"github.com/gwd-project/gwd/engine/pump"
	"github.com/gwd-project/gwd/engine/recovery"
	"github.com/gwd-project/gwd/engine/session"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/store"
)

// user is one user's binds and outbox. Its pump delivers the outbox
// across the user's receiver binds while at least one is bound: one
// goroutine per user with a receiver bind. user is the pump's lane, and
// its Source: the retry queues (outbox_retry.go).
type user struct {
	s       *Server
	uid     string
	q       *store.Queue
	retries *backoff.Levels
	pump    *pump.Pump[struct{}]

	mu       sync.Mutex
	sessions []*session.Session // every bound session
	rx       []*session.Session // those that may receive deliver_sm
	rr       int
	running  bool
	stop     chan struct{}
}

func newUser(s *Server, uid string, q *store.Queue) *user {
	u := &user{s: s, uid: uid, q: q}
	u.pump = pump.New[struct{}](q, u, &s.Stats.DeliverSMCount, s.log.With("uid", uid))
	return u
}

type delivery = pump.Flight[struct{}]

func (u *user) all() []*session.Session {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]*session.Session(nil), u.sessions...)
}

func (u *user) add(ss *session.Session, rx bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.sessions = append(u.sessions, ss)
	if rx {
		u.rx = append(u.rx, ss)
		if !u.running {
			u.running = true
			u.stop = make(chan struct{})
			stop := u.stop
			go recovery.Loop("smpps", u.s.log, stop, func() { u.pump.Run(stop) })
		}
	}
	u.pump.Signal()
}

func (u *user) remove(ss *session.Session) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.sessions = del(u.sessions, ss)
	u.rx = del(u.rx, ss)
	if len(u.rx) == 0 && u.running {
		u.running = false
		close(u.stop)
	}
}

func (u *user) stopDeliverer() {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.running {
		u.running = false
		close(u.stop)
	}
}

func del(list []*session.Session, ss *session.Session) []*session.Session {
	for i, x := range list {
		if x == ss {
			return append(list[:i], list[i+1:]...)
		}
	}
	return list
}

// Pick returns a receiver-capable session with window room.
func (u *user) Pick() *session.Session {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := len(u.rx)
	for range n {
		u.rr++
		ss := u.rx[u.rr%n]
		if ss.State().CanReceive() && ss.Outstanding() < u.s.windowSize() {
			return ss
		}
	}
	return nil
}

func (s *Server) windowSize() int {
	if s.cfg.Window > 0 {
		return s.cfg.Window
	}
	return 100
}

// Prepare decodes the queued deliver_sm (behind its retry header, if
// any); one that does not decode is dropped, one past its validity goes
// to the dead letters.
func (u *user) Prepare(d *delivery, p *smpp.PDU) bool {
	if u.expired(d, time.Now()) {
		return false
	}
	_, body := backoff.Split(d.Msg.Payload)
	if err := p.Decode(body); err != nil {
		u.s.log.Error("dropping an outbox record that does not decode", "uid", u.uid, "err", err)
		d.AckThen(store.Write{}, u.removed)
		return false
	}
	return true
}

// Answered acks a delivered deliver_sm; one the ESME refused
// (ESME_RX_T_APPN, a full queue …) waits in a retry queue (retry).
func (u *user) Answered(d *delivery, resp *smpp.PDU) {
	if resp.Status != smpp.ESME_ROK {
		u.retry(d, whyRefused(resp))
		return
	}
	if d.Queue() != u.q {
		d.AckThen(store.Write{}, u.removed) // from a retry queue: recap
		return
	}
	d.Ack(store.Write{})
}

// Unanswered retries a deliver_sm the ESME did not answer in time, and
// offers one whose session closed again at once (on another bind, or
// when one is back), no attempt counted.
func (u *user) Unanswered(d *delivery, reason error) {
	if errors.Is(reason, session.ErrResponseTimeout) {
		u.retry(d, whyUnanswered(reason))
		return
	}
	d.Requeue(0)
}

// MaxRetryDelay caps the back-off of a deliver_sm an ESME refused or did
// not answer.
const MaxRetryDelay = 10 * time.Minute

// SetRetryDelay sets the first back-off of a deliver_sm an ESME refused
// or did not answer (default 10 s); each next one doubles, up to
// MaxRetryDelay, give or take a fifth (backoff.Delay).
func (s *Server) SetRetryDelay(d time.Duration) { s.retryBase.Store(int64(d)) }
