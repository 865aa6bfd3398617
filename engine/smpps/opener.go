package smpps

import (
	"errors"
	"fmt"
	"sync"

	"github.com/gwd-project/gwd/engine/backoff"
	"github.com/gwd-project/gwd/engine/recovery"
)

// Outboxes open off the event loops
//
// Opening a user's outbox reads the store (its records are counted and its
// head loaded) and, the first time, waits for an fsync (the queue's id is
// written). None of that may run on an event loop or under a session's
// lock, so: OpenOutboxes opens, at start, every outbox that holds
// deliver_sm; any other is opened on first use by one opener goroutine,
// from a bounded queue of requests, and what needed it continues there.
// A bind waiting for it is answered from there (session.BindPending, then
// FinishBind); a deliver_sm from an SMSC is appended from there. With the
// queue full, a bind is refused ESME_RBINDFAIL and a delivery fails with
// ErrOutboxBusy (the SMSC is answered ESME_RSYSERR and sends it again).

// openQueue is how many outbox openings may wait for the opener.
const openQueue = 1024

// ErrOutboxBusy is a delivery or bind refused because too many outboxes
// wait to be opened; nothing was kept.
var ErrOutboxBusy = errors.New("smpps: too many outboxes waiting to be opened")

// openReq is one request to the opener: open uid's outbox, then run then.
type openReq struct {
	uid  string
	then func(*user, error)
}

// opener runs the openings, one at a time.
type opener struct {
	once sync.Once
	reqs chan openReq
	stop chan struct{}
}

// OpenOutboxes opens the outbox of every user that has deliver_sm
// waiting (in the outbox or its retry queues), and the outbox's dead
// letters, so that receipts and MOs for them are appended without an
// opening on the way. Call it before Listen.
func (s *Server) OpenOutboxes() error {
	// The dead letters too: their opening counts them, not for a loop.
	if _, err := s.openDeadLetters(); err != nil {
		return err
	}
	for _, prefix := range []string{outboxPrefix, retryPrefix} {
		names, err := s.db.QueuesWithRecords(prefix)
		if err != nil {
			return fmt.Errorf("open outboxes: %w", err)
		}
		for _, name := range names {
			if _, err := s.openUser(uidOfQueue(name)); err != nil {
				return err
			}
		}
	}
	return nil
}

// withUser runs then with uid's user: at once when its outbox is open,
// else on the opener once it is. It reports false, then not run, when the
// opener's queue is full.
func (s *Server) withUser(uid string, then func(*user, error)) bool {
	if u := s.lookup(uid); u != nil {
		then(u, nil)
		return true
	}
	return s.openThen(uid, then)
}

// openThen queues uid's outbox for the opener, which runs then once it
// is open (at once if it already is), never on the caller's goroutine.
// It reports false, then not run, when the opener's queue is full.
func (s *Server) openThen(uid string, then func(*user, error)) bool {
	s.open.once.Do(func() {
		s.open.reqs = make(chan openReq, openQueue)
		reqs, stop := s.open.reqs, s.open.stop
		go recovery.Loop("smpps outbox opener", s.log, stop, func() { s.openLoop(reqs, stop) })
	})
	select {
	case s.open.reqs <- openReq{uid: uid, then: then}:
		return true
	default:
		return false
	}
}

// openLoop is the opener goroutine.
func (s *Server) openLoop(reqs <-chan openReq, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case r := <-reqs:
			u, err := s.openUser(r.uid)
			r.then(u, err)
		}
	}
}

// openUser returns user uid's state, opening its outbox (capped by
// [smpp-server] outbox_max_*) if it is not open yet. It may block on the
// store: call it from the opener or at start, never from an event loop.
func (s *Server) openUser(uid string) (*user, error) {
	if u := s.lookup(uid); u != nil {
		return u, nil
	}
	q, err := s.db.Queue(outboxPrefix + uid)
	if err != nil {
		return nil, fmt.Errorf("outbox of %s: %w", uid, err)
	}
	u := newUser(s, uid, q)
	if u.retries, err = backoff.OpenLevels(s.db, retryLevels, func(k int) string { return retryQueueName(uid, k) },
		retryResident, u.pump.Signal); err != nil {
		return nil, fmt.Errorf("outbox retries of %s: %w", uid, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.users[uid]; u != nil {
		return u, nil
	}
	u.recap()
	q.OnExpire(u.expiredInQueue)
	for k := range retryLevels {
		u.retries.Queue(k).OnExpire(u.expiredInQueue)
	}
	s.users[uid] = u
	return u, nil
}
