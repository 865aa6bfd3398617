package router

import (
	"errors"
	"github.com/gwd-project/gwd/router/ledger"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Users and groups: Jasmin's user and group managers.
//
// Accounts holds them in an immutable snapshot behind an atomic pointer.
// Every lookup (User, UserByUsername, Authenticate on its cached path,
// Current, CheckMT, Allow) loads the pointer and reads maps: no lock, no
// allocation. A change (add, update, enable, remove …) is made under a
// writer mutex on a copy and swapped in, so readers never wait and never see
// half a change; a refused change leaves everything as it was.
//
// What changes with every message — the balance and sms_count counters, the
// throughput buckets, the number of binds, the authentication cache — is not
// in the snapshot: it hangs off each user in a userLive that every copy of
// that user shares, and changes with atomic operations.

// User is a Jasmin user. A *User obtained from Accounts is a snapshot and
// must not be modified: change users through Accounts. A user being built
// (NewUser, Set) is a draft until AddUser. Build users with NewUser: a User
// literal starts with every authorization False.
type User struct {
	UID      string // uid: 1–16 of [A-Za-z0-9_-]
	GID      string // gid: its group
	Username string // username: 1–15 of [A-Za-z0-9_-], unique; the SMPP system_id
	// PasswordHash is the salted slow hash (see HashPassword); the password
	// itself is never kept.
	PasswordHash []byte
	Enabled      bool // a disabled user cannot bind, authenticate or send
	MT           MTCred
	SMPPS        SMPPSCred

	live   *userLive
	pwGen  uint64 // password generation (authentication cache)
	frozen bool   // registered in an Accounts: immutable
}

// userLive is the per-message state of a user, shared by its copies.
type userLive struct {
	balance  atomic.Int64 // ledger.Money, or counterND
	smsCount atomic.Int64 // or counterND
	tat      [2]atomic.Int64
	binds    atomic.Int64
	auth     atomic.Pointer[pwCacheEntry]
}

func newUserLive() *userLive {
	l := &userLive{}
	l.balance.Store(counterND)
	l.smsCount.Store(counterND)
	return l
}

// Errors of the user and group managers. The error values returned wrap
// them with the id: errors.Is(err, ErrUnknownUser).
var (
	ErrUnknownUser   = errors.New("Unknown User")
	ErrUnknownGroup  = errors.New("Unknown Group")
	ErrUserExists    = errors.New("User already exists")
	ErrGroupExists   = errors.New("Group already exists")
	ErrGroupNotEmpty = errors.New("Group has users")
	ErrNotDraft      = errors.New("router: user is registered; change it through Accounts")
)

func acctErr(base error, id string) error { return &acctError{base: base, id: id} }

type acctError struct {
	base error
	id   string
}

func (e *acctError) Error() string { return e.base.Error() + ": " + e.id }
func (e *acctError) Unwrap() error { return e.base }

// acctIDOK checks Jasmin's id syntax: 1..max of [A-Za-z0-9_-].
func acctIDOK(s string, max int) bool {
	if len(s) < 1 || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func checkUID(uid string) error {
	if !acctIDOK(uid, 16) {
		return &FieldError{Field: "uid", Msg: "User uid syntax is invalid (1 to 16 of A-Z a-z 0-9 _ -)"}
	}
	return nil
}

func checkUsername(name string) error {
	if !acctIDOK(name, 15) {
		return &FieldError{Field: "username", Msg: "User username syntax is invalid (1 to 15 of A-Z a-z 0-9 _ -)"}
	}
	return nil
}

// NewUser returns a draft user with the manual's default credentials,
// enabled, its password hashed. Adjust it with Set, register it with
// AddUser.
func NewUser(uid, gid, username, password string) (*User, error) {
	if err := checkUID(uid); err != nil {
		return nil, err
	}
	if err := checkGID(gid); err != nil {
		return nil, err
	}
	if err := checkUsername(username); err != nil {
		return nil, err
	}
	h, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	return &User{
		UID: uid, GID: gid, Username: username, PasswordHash: h, Enabled: true,
		MT: DefaultMTCred(), SMPPS: DefaultSMPPSCred(),
		live: newUserLive(), pwGen: pwGenSeq.Add(1),
	}, nil
}

// Change is one line of a jCli user session: a key and its argument.
//
//	{"gid", "g2"}
//	{"password", "secret"}
//	{"mt_messaging_cred", "quota balance +10"}
//	{"smpps_cred", "authorization bind no"}
type Change struct {
	Key, Arg string
}

// Set applies one jCli line to a draft user (uid, gid, username, password,
// mt_messaging_cred …, smpps_cred …). On error the draft is unchanged.
func (u *User) Set(key, arg string) error {
	if u.frozen {
		return ErrNotDraft
	}
	if u.live == nil {
		u.live = newUserLive()
	}
	switch key {
	case "uid":
		if err := checkUID(arg); err != nil {
			return err
		}
		u.UID = arg
		return nil
	case "gid":
		if err := checkGID(arg); err != nil {
			return err
		}
		u.GID = arg
		return nil
	case "username":
		if err := checkUsername(arg); err != nil {
			return err
		}
		u.Username = arg
		return nil
	}
	e := &credEdit{u: u}
	if err := e.change(key, arg, nil); err != nil {
		return err
	}
	return acctApplyLedger(u.live, e.ops)
}

// SetCredential is Set for one credential key of a draft.
func (u *User) SetCredential(cred, section, key, value string) error {
	if u.frozen {
		return ErrNotDraft
	}
	if u.live == nil {
		u.live = newUserLive()
	}
	e := &credEdit{u: u}
	if err := e.setCredential(cred, section, key, value); err != nil {
		return err
	}
	return acctApplyLedger(u.live, e.ops)
}

// change applies a password or credential line to an edit; groups, when
// not nil, are the groups a gid must name.
func (e *credEdit) change(key, arg string, groups map[string]*Group) error {
	switch key {
	case "password":
		h, err := HashPassword(arg)
		if err != nil {
			return err
		}
		e.u.PasswordHash = h
		e.u.pwGen = pwGenSeq.Add(1)
		return nil
	case CredMT, CredSMPPS:
		section, k, v, err := credSplitArg(key, arg)
		if err != nil {
			return err
		}
		return e.setCredential(key, section, k, v)
	case "gid":
		if err := checkGID(arg); err != nil {
			return err
		}
		if groups != nil && groups[arg] == nil {
			return &FieldError{Field: "gid", Msg: "Unknown Group gid:" + arg + ", you must first create the Group"}
		}
		e.u.GID = arg
		return nil
	case "uid":
		return &FieldError{Field: "uid", Msg: "User id can not be modified !"}
	case "username":
		return &FieldError{Field: "username", Msg: "User username can not be modified !"}
	}
	return &FieldError{Field: key, Msg: "Unknown User key: " + key}
}

// acctApplyLedger applies counter changes: the relative ones first (they
// can fail: a counter may not go below zero), undone if a later one fails,
// then the absolute ones (which cannot fail).
func acctApplyLedger(l *userLive, ops []credLedgerOp) error {
	type done struct {
		cell  *atomic.Int64
		v     int64
		wasND bool
		now   int64
	}
	var undo [2]done
	n := 0
	cell := func(op credLedgerOp) *atomic.Int64 {
		if op.smsCount {
			return &l.smsCount
		}
		return &l.balance
	}
	for _, op := range ops {
		if !op.rel {
			continue
		}
		c := cell(op)
		for {
			v := c.Load()
			base := v
			if v == counterND {
				base = 0
			}
			nv, ok := credAdd(base, op.v)
			if !ok || nv < 0 || nv == counterND {
				for i := n - 1; i >= 0; i-- {
					d := undo[i]
					if !(d.wasND && d.cell.CompareAndSwap(d.now, counterND)) {
						ledgerGive(d.cell, -d.v)
					}
				}
				cur := "ND"
				if v != counterND {
					cur = strconv.FormatInt(v, 10)
					if !op.smsCount {
						cur = ledger.Money(v).String()
					}
				}
				return &FieldError{Field: op.field, Msg: "would go below zero (current value " + cur + ")"}
			}
			if c.CompareAndSwap(v, nv) {
				undo[n] = done{cell: c, v: op.v, wasND: v == counterND, now: nv}
				n++
				break
			}
		}
	}
	for _, op := range ops {
		if op.rel {
			continue
		}
		if op.nd {
			cell(op).Store(counterND)
		} else {
			cell(op).Store(op.v)
		}
	}
	return nil
}

// Accounts is the registry of users and groups.
type Accounts struct {
	mu     sync.Mutex // writers
	snap   atomic.Pointer[acctSnapshot]
	macKey *pwMACKey
}

type acctSnapshot struct {
	groups map[string]*Group
	gorder []string
	users  map[string]*User // by uid
	byName map[string]*User // by username
	uorder []string
}

// NewAccounts returns an empty registry.
func NewAccounts() *Accounts {
	a := &Accounts{macKey: newPWMACKey()}
	a.snap.Store(&acctSnapshot{
		groups: map[string]*Group{}, users: map[string]*User{}, byName: map[string]*User{},
	})
	return a
}

func (s *acctSnapshot) clone() *acctSnapshot {
	return &acctSnapshot{
		groups: maps.Clone(s.groups), gorder: slices.Clone(s.gorder),
		users: maps.Clone(s.users), byName: maps.Clone(s.byName), uorder: slices.Clone(s.uorder),
	}
}

// edit runs fn on a copy of the snapshot under the writer lock and
// publishes it when fn succeeds.
func (a *Accounts) edit(fn func(s, ns *acctSnapshot) error) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.snap.Load()
	ns := s.clone()
	if err := fn(s, ns); err != nil {
		return err
	}
	a.snap.Store(ns)
	return nil
}

// acctRegister validates a new user against a snapshot and returns the copy
// to store.
func acctRegister(s *acctSnapshot, u *User) (*User, error) {
	if u == nil {
		return nil, &FieldError{Field: "user", Msg: "missing"}
	}
	if err := checkUID(u.UID); err != nil {
		return nil, err
	}
	if err := checkUsername(u.Username); err != nil {
		return nil, err
	}
	if err := checkGID(u.GID); err != nil {
		return nil, err
	}
	if !ValidPasswordHash(u.PasswordHash) {
		return nil, &FieldError{Field: "password", Msg: "missing or not a password hash"}
	}
	if s.groups[u.GID] == nil {
		return nil, &FieldError{Field: "gid", Msg: "Unknown Group gid:" + u.GID + ", you must first create the Group"}
	}
	if s.users[u.UID] != nil {
		return nil, acctErr(ErrUserExists, u.UID)
	}
	if s.byName[u.Username] != nil {
		return nil, &FieldError{Field: "username", Msg: "username " + u.Username + " is already used"}
	}
	cp := *u
	if cp.live == nil {
		cp.live = newUserLive()
	}
	if cp.pwGen == 0 {
		cp.pwGen = pwGenSeq.Add(1)
	}
	cp.frozen = true
	return &cp, nil
}

// AddUser registers a user (built with NewUser and Set): its uid and
// username must be new, its group must exist. The Accounts keeps a copy;
// the draft can no longer be Set.
func (a *Accounts) AddUser(u *User) error {
	return a.edit(func(s, ns *acctSnapshot) error {
		cp, err := acctRegister(s, u)
		if err != nil {
			return err
		}
		ns.users[cp.UID] = cp
		ns.byName[cp.Username] = cp
		ns.uorder = append(ns.uorder, cp.UID)
		u.frozen, u.live = true, cp.live
		return nil
	})
}

// Load replaces every group and user at once (a restart from the store, a
// jCli `load`): all or nothing.
func (a *Accounts) Load(groups []Group, users []*User) error {
	ns := &acctSnapshot{groups: map[string]*Group{}, users: map[string]*User{}, byName: map[string]*User{}}
	for _, g := range groups {
		if err := checkGID(g.GID); err != nil {
			return err
		}
		if ns.groups[g.GID] != nil {
			return acctErr(ErrGroupExists, g.GID)
		}
		ns.groups[g.GID] = &Group{GID: g.GID, Enabled: g.Enabled}
		ns.gorder = append(ns.gorder, g.GID)
	}
	regs := make([]*User, 0, len(users))
	for _, u := range users {
		cp, err := acctRegister(ns, u)
		if err != nil {
			return err
		}
		ns.users[cp.UID] = cp
		ns.byName[cp.Username] = cp
		ns.uorder = append(ns.uorder, cp.UID)
		regs = append(regs, cp)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for i, u := range users {
		u.frozen, u.live = true, regs[i].live
	}
	a.snap.Store(ns)
	return nil
}

// acctReplaceUser edits a copy of user uid with fn and publishes it.
func (a *Accounts) acctReplaceUser(uid string, fn func(s *acctSnapshot, e *credEdit) error) error {
	return a.edit(func(s, ns *acctSnapshot) error {
		old := s.users[uid]
		if old == nil {
			return acctErr(ErrUnknownUser, uid)
		}
		cp := *old
		cp.frozen = false
		e := &credEdit{u: &cp}
		if err := fn(s, e); err != nil {
			return err
		}
		if err := acctApplyLedger(cp.live, e.ops); err != nil {
			return err
		}
		cp.frozen = true
		ns.users[uid] = &cp
		ns.byName[cp.Username] = &cp
		return nil
	})
}

// UpdateUser applies a jCli update session: every change is validated
// first and either all apply or none does. uid and username cannot change;
// gid must name an existing group; quotas take `+N` / `-N`.
func (a *Accounts) UpdateUser(uid string, changes ...Change) error {
	return a.acctReplaceUser(uid, func(s *acctSnapshot, e *credEdit) error {
		for _, c := range changes {
			if err := e.change(c.Key, c.Arg, s.groups); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetCredential changes one credential key with jCli's syntax:
// SetCredential("u1", "mt_messaging_cred", "quota", "balance", "+10").
// Unknown credentials, sections and keys and invalid values are refused with
// a *FieldError naming the field; nothing changes then.
func (a *Accounts) SetCredential(uid, cred, section, key, value string) error {
	return a.acctReplaceUser(uid, func(_ *acctSnapshot, e *credEdit) error {
		return e.setCredential(cred, section, key, value)
	})
}

// SetPassword changes a user's password.
func (a *Accounts) SetPassword(uid, password string) error {
	return a.UpdateUser(uid, Change{Key: "password", Arg: password})
}

// SetCounters sets the router's view of a user's balance and sms_count
// (see counters.go) to the store's values.
func (a *Accounts) SetCounters(uid string, c ledger.Counters) error {
	u := a.User(uid)
	if u == nil {
		return acctErr(ErrUnknownUser, uid)
	}
	u.live.storeCounters(c)
	return nil
}

func (a *Accounts) setUserEnabled(uid string, on bool) error {
	return a.acctReplaceUser(uid, func(_ *acctSnapshot, e *credEdit) error {
		e.u.Enabled = on
		return nil
	})
}

// EnableUser enables a user.
func (a *Accounts) EnableUser(uid string) error { return a.setUserEnabled(uid, true) }

// DisableUser disables a user: it can no longer bind, authenticate or send
// (bound sessions are refused from their next message: see Current).
func (a *Accounts) DisableUser(uid string) error { return a.setUserEnabled(uid, false) }

// RemoveUser removes a user.
func (a *Accounts) RemoveUser(uid string) error {
	return a.edit(func(s, ns *acctSnapshot) error {
		u := s.users[uid]
		if u == nil {
			return acctErr(ErrUnknownUser, uid)
		}
		delete(ns.users, uid)
		delete(ns.byName, u.Username)
		ns.uorder = slices.DeleteFunc(ns.uorder, func(x string) bool { return x == uid })
		return nil
	})
}

// User returns the user uid, or nil. No lock, no allocation.
func (a *Accounts) User(uid string) *User { return a.snap.Load().users[uid] }

// UserByUsername returns the user with that username, or nil. No lock, no
// allocation.
func (a *Accounts) UserByUsername(username string) *User { return a.snap.Load().byName[username] }

// Users returns the users of group gid ("" for all), in the order they were
// added.
func (a *Accounts) Users(gid string) []*User {
	s := a.snap.Load()
	out := make([]*User, 0, len(s.uorder))
	for _, uid := range s.uorder {
		if u := s.users[uid]; gid == "" || u.GID == gid {
			out = append(out, u)
		}
	}
	return out
}

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

// ShowLines returns `user -s uid` as jCli prints it (never the password).
func (a *Accounts) ShowLines(uid string) ([]string, error) {
	u := a.User(uid)
	if u == nil {
		return nil, acctErr(ErrUnknownUser, uid)
	}
	return u.ShowLines(), nil
}

// ShowLines returns the `user -s` lines of u.
func (u *User) ShowLines() []string {
	out := make([]string, 0, 3+len(credKeys))
	out = append(out, "uid "+u.UID, "gid "+u.GID, "username "+u.Username)
	return credShowLines(u, out)
}

func acctPad(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return s + strings.Repeat(" ", n-len(s))
}

// UserListLines returns `user -l [gid]` as jCli prints it: a disabled user's
// uid and a disabled group's gid are prefixed with "!"; "ND (!)" marks a
// user with neither balance nor sms_count quota.
func (a *Accounts) UserListLines(gid string) []string {
	s := a.snap.Load()
	users := a.Users(gid)
	var out []string
	if len(users) > 0 {
		out = append(out, "#"+acctPad("User id", 16)+" "+acctPad("Group id", 16)+" "+
			acctPad("Username", 16)+" "+acctPad("Balance", 7)+" "+acctPad("MT SMS", 6)+" "+"Throughput")
	}
	for _, u := range users {
		uid, g := u.UID, u.GID
		if !u.Enabled {
			uid = "!" + uid
		}
		if grp := s.groups[u.GID]; grp != nil && !grp.Enabled {
			g = "!" + g
		}
		c := u.Counters()
		bal, sms := c.BalanceString(), c.SMSString()
		if !c.HasBalance && !c.HasSMS {
			bal, sms = "ND (!)", "ND (!)"
		}
		tp := func(o Optional[ledger.Money]) string {
			if o.Set {
				return o.V.String()
			}
			return "ND"
		}
		line := "#" + acctPad(uid, 16) + " " + acctPad(g, 16) + " " + acctPad(u.Username, 16) + " " +
			acctPad(bal, 7) + " " + acctPad(sms, 6) + " " +
			tp(u.MT.Quota.HTTPThroughput) + "/" + tp(u.MT.Quota.SMPPSThroughput)
		out = append(out, strings.TrimRight(line, " "))
	}
	if gid == "" {
		out = append(out, "Total Users: "+strconv.FormatInt(int64(len(users)), 10))
	} else {
		out = append(out, "Total Users in group ["+gid+"]: "+strconv.FormatInt(int64(len(users)), 10))
	}
	return out
}

// String names the user without its password hash, so that logging a user
// never logs the hash.
func (u User) String() string { return "user " + u.UID + " (" + u.Username + ")" }
