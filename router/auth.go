package router

// AuthReason says why an authentication failed.
type AuthReason uint8

// Authentication failures.
const (
	AuthUnknownUser   AuthReason = iota + 1 // no such username
	AuthBadPassword                         // wrong password
	AuthUserDisabled                        // the user is disabled
	AuthGroupDisabled                       // the user's group is disabled
)

func (r AuthReason) String() string {
	switch r {
	case AuthUnknownUser:
		return "unknown user"
	case AuthBadPassword:
		return "wrong password"
	case AuthUserDisabled:
		return "user disabled"
	case AuthGroupDisabled:
		return "group disabled"
	}
	return "?"
}

// AuthError is a failed authentication (Kind RefusedAuth). Its Text is
// the one Jasmin gives whatever the reason, `Authentication failure for
// username:foo`; Reason tells the front-ends that answer differently (the
// SMPP server) an unknown user or a wrong password from a disabled user
// or group, which only someone with the right password learns. The
// password is never part of it.
type AuthError struct {
	Reason   AuthReason
	Username string
}

func (e *AuthError) Error() string {
	return "Authentication failure for username:" + e.Username + " (" + e.Reason.String() + ")"
}

// Kind is RefusedAuth.
func (e *AuthError) Kind() RefusalKind { return RefusedAuth }

// Text is Jasmin's text.
func (e *AuthError) Text() string { return "Authentication failure for username:" + e.Username }

// Is lets errors.Is(err, ErrUnknownUser) match an unknown-user failure.
func (e *AuthError) Is(target error) bool {
	return target == ErrUnknownUser && e.Reason == AuthUnknownUser
}

// usable checks that u and its group are enabled.
func (s *acctSnapshot) usable(u *User) error {
	if !u.Enabled {
		return &AuthError{Reason: AuthUserDisabled, Username: u.Username}
	}
	if g := s.groups[u.GID]; g == nil || !g.Enabled {
		return &AuthError{Reason: AuthGroupDisabled, Username: u.Username}
	}
	return nil
}

// Authenticate checks a username and password (an SMPP bind, an HTTP
// request) and returns the user, or an *AuthError. The password is checked
// against its slow hash only when it is not the one last verified for this
// user (see password.go): a client that keeps sending the right password
// pays the KDF once, then a keyed MAC (~0.3 µs, no allocation). An
// unknown username pays the same KDF against a dummy hash, so that its
// answer takes as long as a wrong password's. The enabled checks come
// after the password, so they reveal nothing to whoever does not know it.
// Run it off event loops, through engine/authguard's pool.
func (a *Accounts) Authenticate(username, password string) (*User, error) {
	s := a.snap.Load()
	u := s.byName[username]
	if u == nil {
		if len(password) >= MinPasswordLen && len(password) <= MaxPasswordLen {
			dummyPasswordCheck(password)
		}
		return nil, &AuthError{Reason: AuthUnknownUser, Username: username}
	}
	if !a.checkPassword(u, password) {
		return nil, &AuthError{Reason: AuthBadPassword, Username: username}
	}
	if err := s.usable(u); err != nil {
		return nil, err
	}
	return u, nil
}

// AuthenticateCached is Authenticate without the slow path, for event
// loops that must not block: decided is false when only the KDF can tell
// (an unknown username included: Authenticate runs a dummy KDF for it),
// and the caller should then run Authenticate off the loop. A password
// no user could have (empty, longer than MaxPasswordLen) is refused here,
// known username or not.
func (a *Accounts) AuthenticateCached(username, password string) (u *User, decided bool, err error) {
	if len(password) < MinPasswordLen || len(password) > MaxPasswordLen {
		return nil, true, &AuthError{Reason: AuthBadPassword, Username: username}
	}
	s := a.snap.Load()
	u = s.byName[username]
	if u == nil {
		return nil, false, nil
	}
	match, decided := a.cachedPassword(u, password)
	if !decided {
		return nil, false, nil
	}
	if !match {
		return nil, true, &AuthError{Reason: AuthBadPassword, Username: username}
	}
	if err := s.usable(u); err != nil {
		return nil, true, err
	}
	return u, true, nil
}

// Current returns the current version of user uid for a session that
// authenticated earlier (a bound ESME), so that credential changes apply
// from its next message and a disabled or removed user is refused. No
// lock; no allocation unless it refuses.
func (a *Accounts) Current(uid string) (*User, error) {
	s := a.snap.Load()
	u := s.users[uid]
	if u == nil {
		return nil, &AuthError{Reason: AuthUnknownUser, Username: uid}
	}
	if err := s.usable(u); err != nil {
		return nil, err
	}
	return u, nil
}
