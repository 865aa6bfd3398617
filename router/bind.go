package router

import "net/netip"

// BindError is a bind refused after authentication (Kind RefusedBind):
// the smpps_cred bind authorization, the ip authorization or
// max_bindings.
type BindError struct {
	Username string
	Reason   string
}

func (e *BindError) Error() string {
	return "New bind rejected for username: \"" + e.Username + "\", reason: " + e.Reason
}

// Kind is RefusedBind.
func (e *BindError) Kind() RefusalKind { return RefusedBind }

// Text is Error().
func (e *BindError) Text() string { return e.Error() }

// Bind authenticates an SMPP bind from address from and takes one of the
// user's max_bindings; pair it with Unbind when the session ends. Refusals
// are *AuthError or *BindError.
func (a *Accounts) Bind(username, password string, from netip.Addr) (*User, error) {
	u, err := a.Authenticate(username, password)
	if err != nil {
		return nil, err
	}
	return a.BindAuthenticated(u, from)
}

// BindAuthenticated is the rest of Bind for a user that Authenticate (or
// AuthenticateCached) accepted, perhaps a while ago (a password check run
// off the event loop): it takes the user's current version, so that a
// change made meanwhile counts (a new password refuses), then checks the
// smpps_cred bind authorization, the address and max_bindings. No lock,
// no allocation unless it refuses.
func (a *Accounts) BindAuthenticated(u *User, from netip.Addr) (*User, error) {
	username := u.Username
	cur, err := a.Current(u.UID)
	if err != nil {
		return nil, err
	}
	if cur.pwGen != u.pwGen || cur.Username != username {
		return nil, &AuthError{Reason: AuthBadPassword, Username: username}
	}
	u = cur
	if !u.SMPPS.Authorization.Bind {
		return nil, &BindError{Username: username, Reason: "authorization failure (smpps_cred authorization bind)"}
	}
	if !u.SMPPS.Authorization.IP.Allows(from) {
		return nil, &BindError{Username: username, Reason: "address " + from.String() + " not allowed (smpps_cred authorization ip)"}
	}
	max := u.SMPPS.Quota.MaxBindings
	for {
		n := u.live.binds.Load()
		if max.Set && n >= max.V {
			return nil, &BindError{Username: username, Reason: "max_bindings limit reached"}
		}
		if u.live.binds.CompareAndSwap(n, n+1) {
			return u, nil
		}
	}
}

// Unbind gives back the binding Bind took.
func (u *User) Unbind() { u.live.binds.Add(-1) }

// Bindings is the number of sessions bound as u.
func (u *User) Bindings() int64 { return u.live.binds.Load() }
