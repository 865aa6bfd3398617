package smpps

import (
	"errors"
	"net/netip"
	"runtime"
	"sync"

	"github.com/gwd-project/gwd/engine/guard"
	"github.com/gwd-project/gwd/engine/session"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/smpp"
)

// Password checks off the event loop
//
// The router keeps only a slow salted hash of each password (PBKDF2, tens
// of milliseconds of CPU). A bind whose password the authentication cache
// knows is answered on the event loop at once. Any other (the first bind
// after a start or a password change, and every wrong password) goes to
// a small pool of checkers and is answered from there through
// session.FinishBind, so that a password check never stalls the other
// sessions of its event loop, and a flood of binds with wrong passwords
// costs at most the pool's share of the CPU. A full queue refuses the bind
// at once with ESME_RBINDFAIL.

const bindQueueLen = 256

// bindCheck is one bind waiting for its password check.
type bindCheck struct {
	ss                 *session.Session
	username, password string
	from               netip.Addr
	cmd                smpp.CommandID
}

// checkers is the pool that runs password checks.
type checkers struct {
	initOnce, startOnce, closeOnce sync.Once
	q                              chan bindCheck
	stop                           chan struct{}
}

func (k *checkers) init() {
	k.initOnce.Do(func() {
		k.q = make(chan bindCheck, bindQueueLen)
		k.stop = make(chan struct{})
	})
}

// close stops the pool (the server is closing); binds still queued are
// left to their bind timeout.
func (k *checkers) close() {
	k.init()
	k.closeOnce.Do(func() { close(k.stop) })
}

// submit queues c, starting the pool on first use; false when the queue is
// full.
func (k *checkers) submit(a *app, c bindCheck) bool {
	k.init()
	k.startOnce.Do(func() {
		n := max(1, runtime.GOMAXPROCS(0)/2)
		for range n {
			go guard.Loop("smpps", a.s.log, k.stop, func() { k.run(a) })
		}
	})
	select {
	case k.q <- c:
		return true
	default:
		return false
	}
}

// run checks passwords until the pool is closed.
func (k *checkers) run(a *app) {
	for {
		var c bindCheck
		select {
		case c = <-k.q:
		case <-k.stop:
			return
		}
		select {
		case <-c.ss.Done():
			continue // gone while it waited: no KDF for it
		default:
		}
		u, authErr := a.s.b.Accounts().Authenticate(c.username, c.password)
		err := c.ss.FinishBind(func() smpp.Status {
			if authErr != nil {
				return a.refuse(authErr)
			}
			u, err := a.s.b.Accounts().BindAuthenticated(u, c.from)
			return a.bound(c.ss, u, err, c.cmd)
		})
		if err != nil && !errors.Is(err, session.ErrNoBindPending) {
			a.s.log.Debug("bind answered too late", "username", c.username, "err", err)
		}
	}
}

// refuse counts a refused bind and returns its status.
func (a *app) refuse(err error) smpp.Status {
	a.s.Stats.BindErrorCount.Add(1)
	var r router.Refusal
	if errors.As(err, &r) {
		return r.SMPPStatus()
	}
	return smpp.ESME_RBINDFAIL
}
