package smpps

import (
	"errors"
	"net/netip"

	"github.com/gwd-project/gwd/engine/authguard"
	"github.com/gwd-project/gwd/engine/session"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/smpp"
)

// Password checks off the event loop
//
// The router keeps only a slow salted hash of each password (PBKDF2, tens
// of milliseconds of CPU). A bind whose password the authentication cache
// knows is answered on the event loop at once, even while its address or
// username is backed off. Any other (the first bind after a start or a
// password change, every wrong password, every unknown username) goes to
// the gateway's shared password-check pool (engine/authguard) and is
// answered from there through session.FinishBind, so that a password
// check never stalls the other sessions of its event loop. When the pool's
// queue is full, or the source address or the username has failed too
// often (the back-off of [auth]), the bind is refused at once with
// ESME_RBINDFAIL and no KDF runs.

// startCheck hands a bind's password check to the pool; a non-nil error
// (*authguard.Refused) means it was refused without a check.
func (a *app) startCheck(ss *session.Session, username, password string, from netip.Addr, cmd smpp.CommandID) error {
	acc := a.s.b.Accounts()
	var (
		checked bool
		u       *router.User
		authErr error
	)
	return a.s.b.AuthGuard().StartThen(from, username, func() authguard.Result {
		select {
		case <-ss.Done():
			return authguard.Skipped // gone while it waited: no KDF for it
		default:
		}
		u, authErr = acc.Authenticate(username, password)
		checked = true
		return authguard.UserResult(authErr)
	}, func(authguard.Result) {
		// Answered once the result is in the back-off tables, so that
		// the ESME's next bind meets the back-off this one earned.
		if !checked {
			return
		}
		if authErr != nil {
			a.answerBind(ss, username, func() smpp.Status { return a.refuse(authErr) })
			return
		}
		// The user's outbox is opened (off the loop) before the answer.
		if !a.s.withUser(u.UID, func(_ *user, err error) { a.finishBind(ss, u, from, cmd, err) }) {
			a.answerBind(ss, username, func() smpp.Status { return a.outboxUnavailable(u.UID, ErrOutboxBusy) })
		}
	})
}

// finishBind answers a pending bind of an authenticated u once its outbox
// is open, or could not be (openErr).
func (a *app) finishBind(ss *session.Session, u *router.User, from netip.Addr, cmd smpp.CommandID, openErr error) {
	if openErr != nil {
		a.answerBind(ss, u.Username, func() smpp.Status { return a.outboxUnavailable(u.UID, openErr) })
		return
	}
	a.answerBind(ss, u.Username, func() smpp.Status {
		u, err := a.s.b.Accounts().BindAuthenticated(u, from)
		return a.bound(ss, u, err, cmd)
	})
}

// answerBind answers a pending bind with decide's status.
func (a *app) answerBind(ss *session.Session, username string, decide func() smpp.Status) {
	err := ss.FinishBind(decide)
	if err != nil && !errors.Is(err, session.ErrNoBindPending) {
		a.s.log.Debug("bind answered too late", "username", username, "err", err)
	}
}

// refuse counts a refused bind and returns its status.
func (a *app) refuse(err error) smpp.Status {
	a.s.Stats.BindErrorCount.Add(1)
	return bindStatus(err)
}
