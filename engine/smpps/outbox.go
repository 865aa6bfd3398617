package smpps

import (
	"errors"
	"sync"
	"time"

	"github.com/gwd-project/gwd/engine/recovery"
	"github.com/gwd-project/gwd/engine/session"
	"github.com/gwd-project/gwd/engine/wake"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/wal"
)

// user is one user's binds and outbox.
type user struct {
	s   *Server
	uid string
	q   *wal.Queue

	mu       sync.Mutex
	sessions []*session.Session // every bound session
	rx       []*session.Session // those that may receive deliver_sm
	rr       int
	running  bool
	stop     chan struct{}
	wake     chan struct{}
}

type delivery struct {
	u *user
	m *wal.Msg
}

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
			go recovery.Loop("smpps", u.s.log, stop, func() { u.deliver(stop) })
		}
	}
	u.signal()
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

func (u *user) signal() {
	select {
	case u.wake <- struct{}{}:
	default:
	}
}

// pick returns a receiver-capable session with window room.
func (u *user) pick() *session.Session {
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

// deliver drains the outbox across the user's receiver binds while at
// least one is bound: one goroutine per user with a receiver bind.
func (u *user) deliver(stop chan struct{}) {
	w := wake.New()
	defer w.Stop()
	wait := func(d time.Duration) bool { return w.Wait(d, stop, u.wake, u.q.Notify()) }
	for {
		select {
		case <-stop:
			return
		default:
		}
		ss := u.pick()
		if ss == nil {
			if !wait(time.Second) {
				return
			}
			continue
		}
		m, err := u.q.Take()
		if err != nil {
			u.s.log.Error("outbox read failed", "uid", u.uid, "err", err)
			if !wait(time.Second) {
				return
			}
			continue
		}
		if m == nil {
			d := time.Second
			if due := u.q.NextDue(); !due.IsZero() {
				d = time.Until(due)
			}
			if !wait(d) {
				return
			}
			continue
		}
		var p smpp.PDU
		if err := p.Decode(m.Payload); err != nil {
			u.s.log.Error("dropping an outbox record that does not decode", "uid", u.uid, "err", err)
			u.q.Ack(m, wal.Write{}, nil)
			continue
		}
		if _, err := ss.Send(&p, &delivery{u: u, m: m}); err != nil {
			_ = u.q.Requeue(m, 0)
			continue
		}
		u.s.Stats.DeliverSMCount.Add(1)
	}
}

func (u *user) response(d *delivery, st smpp.Status) {
	u.signal()
	switch st {
	case smpp.ESME_ROK:
		u.q.Ack(d.m, wal.Write{}, nil)
	default:
		// The ESME refused it (ESME_RX_T_APPN, a full queue …): offer it
		// again later, until its validity runs out.
		_ = u.q.Requeue(d.m, u.s.RetryDelay)
	}
}

func (u *user) noResponse(d *delivery, reason error) {
	u.signal()
	delay := time.Duration(0)
	if errors.Is(reason, session.ErrResponseTimeout) {
		delay = u.s.RetryDelay
	}
	_ = u.q.Requeue(d.m, delay)
}
